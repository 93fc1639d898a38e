import Foundation
import SharewireTestSupport
import Testing

/// Paths of the repository, found from this file's location.
enum Repository {
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // SharewireMessagesTests
        .deletingLastPathComponent()  // Tests
        .deletingLastPathComponent()
    static let protoRoot = root.appendingPathComponent("proto")
    /// Every schema file, relative to `protoRoot` (as tools/generate-protos.sh finds them).
    static let protoFiles: [String] = {
        let directory = protoRoot.appendingPathComponent("sharewire/v1")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { $0.hasSuffix(".proto") }.sorted().map { "sharewire/v1/\($0)" }
    }()
}

/// Runs the reference implementation, `protoc` (C++ protobuf), as a
/// cross-check of protobuf-c. A missing protoc is a test failure, not a skip:
/// CI installs it (Debian `protobuf-compiler`).
enum Protoc {
    static var path: String { ProcessInfo.processInfo.environment["PROTOC"] ?? "/usr/bin/protoc" }

    /// `protoc --decode=sharewire.v1.<message>` of `bytes`, parsed.
    static func decode(_ message: String, _ bytes: [UInt8]) async throws -> TextMessage {
        let text = try await run(["--decode=sharewire.v1.\(message)"], input: bytes)
        var parser = TextFormatParser(String(decoding: text, as: UTF8.self))
        return try parser.parseMessage()
    }

    /// Runs protoc over every schema file with `input` on stdin; its stdout.
    /// Awaited (``ChildProcess``): no thread of the cooperative pool blocks.
    static func run(_ arguments: [String], input: [UInt8]) async throws -> [UInt8] {
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw TestFailure(
                "protoc not found at \(path): install protobuf-compiler (apt-get install protobuf-compiler) or set PROTOC"
            )
        }
        let result = try await ChildProcess.run(
            path, arguments + ["-I", Repository.protoRoot.path] + Repository.protoFiles,
            currentDirectory: Repository.protoRoot.path, stdin: input, timeout: .seconds(60))
        guard result.status == 0 else { throw TestFailure("protoc \(arguments) \(result.exit): \(result.stderr)") }
        return result.stdoutBytes
    }
}

/// A message in protobuf text format, as printed by `protoc --decode`.
struct TextMessage {
    enum Value {
        case scalar(String)
        case string([UInt8])
        case message(TextMessage)
    }

    /// A named struct, not a tuple: a labelled tuple here made the compiler
    /// report a "circular reference" in some incremental builds.
    struct Field {
        let name: String
        let value: Value
    }

    var fields: [Field] = []

    /// Throws if a field outside `names` is present, so an unexpected field
    /// in protoc's output cannot go unnoticed.
    func expectOnly(_ names: Set<String>) throws {
        for field in fields where !names.contains(field.name) {
            throw TestFailure("unexpected field \(field.name) in protoc output")
        }
    }

    private func values(_ name: String) -> [Value] { fields.filter { $0.name == name }.map(\.value) }

    private func single(_ name: String) throws -> Value? {
        let all = values(name)
        guard all.count <= 1 else { throw TestFailure("field \(name) repeated \(all.count) times") }
        return all.first
    }

    func string(_ name: String) throws -> String {
        let bytes = try self.bytes(name)
        guard let string = String(validating: bytes, as: UTF8.self) else {
            throw TestFailure("field \(name) is not UTF-8")
        }
        return string
    }

    func bytes(_ name: String) throws -> [UInt8] {
        switch try single(name) {
        case nil: return []
        case .string(let bytes): return bytes
        default: throw TestFailure("field \(name) is not a string")
        }
    }

    func uint<T: FixedWidthInteger>(_ name: String, as type: T.Type = T.self) throws -> T {
        switch try single(name) {
        case nil: return 0
        case .scalar(let token):
            guard let value = T(token) else { throw TestFailure("field \(name): bad integer \(token)") }
            return value
        default: throw TestFailure("field \(name) is not a scalar")
        }
    }

    /// An enum field: protoc prints the name, or the number if unknown.
    func enumToken(_ name: String) throws -> String? {
        switch try single(name) {
        case nil: return nil
        case .scalar(let token): return token
        default: throw TestFailure("field \(name) is not a scalar")
        }
    }

    func messages(_ name: String) throws -> [TextMessage] {
        try values(name).map {
            guard case .message(let message) = $0 else { throw TestFailure("field \(name) is not a message") }
            return message
        }
    }
}

/// A small parser for the subset of text format protoc prints:
/// `name: scalar`, `name: "string"` and `name { ... }`.
struct TextFormatParser {
    private let bytes: [UInt8]
    private var index = 0

    init(_ text: String) { bytes = Array(text.utf8) }

    mutating func parseMessage() throws -> TextMessage {
        let message = try parseFields(closing: false)
        guard index == bytes.count else { throw TestFailure("trailing text at \(index)") }
        return message
    }

    private mutating func parseFields(closing: Bool) throws -> TextMessage {
        var message = TextMessage()
        while true {
            skipSpace()
            if index == bytes.count {
                if closing { throw TestFailure("missing }") }
                return message
            }
            if bytes[index] == UInt8(ascii: "}") {
                guard closing else { throw TestFailure("unexpected }") }
                index += 1
                return message
            }
            let name = identifier()
            guard !name.isEmpty else { throw TestFailure("expected field name at \(index)") }
            skipSpace()
            if peek(":") {
                index += 1
                skipSpace()
            }
            if peek("{") {
                index += 1
                message.fields.append(TextMessage.Field(name: name, value: .message(try parseFields(closing: true))))
            } else if peek("\"") {
                message.fields.append(TextMessage.Field(name: name, value: .string(try quoted())))
            } else {
                let token = identifier()
                guard !token.isEmpty else { throw TestFailure("expected value for \(name)") }
                message.fields.append(TextMessage.Field(name: name, value: .scalar(token)))
            }
        }
    }

    private func peek(_ c: Unicode.Scalar) -> Bool { index < bytes.count && bytes[index] == UInt8(ascii: c) }

    private mutating func skipSpace() {
        while index < bytes.count, [0x20, 0x0A, 0x0D, 0x09].contains(bytes[index]) { index += 1 }
    }

    private mutating func identifier() -> String {
        let start = index
        while index < bytes.count {
            let b = bytes[index]
            let ok =
                (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A)
                || b == UInt8(ascii: "_") || b == UInt8(ascii: "-") || b == UInt8(ascii: ".")
            guard ok else { break }
            index += 1
        }
        return String(decoding: bytes[start..<index], as: UTF8.self)
    }

    /// A double-quoted string with C escapes (protoc prints non-ASCII bytes as octal).
    private mutating func quoted() throws -> [UInt8] {
        index += 1
        var out: [UInt8] = []
        while index < bytes.count {
            let b = bytes[index]
            index += 1
            if b == UInt8(ascii: "\"") { return out }
            guard b == UInt8(ascii: "\\") else {
                out.append(b)
                continue
            }
            guard index < bytes.count else { break }
            let e = bytes[index]
            index += 1
            switch e {
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "a"): out.append(0x07)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "v"): out.append(0x0B)
            case UInt8(ascii: "0")...UInt8(ascii: "7"):
                var value = Int(e - 0x30)
                for _ in 0..<2 where index < bytes.count && (0x30...0x37).contains(bytes[index]) {
                    value = value * 8 + Int(bytes[index] - 0x30)
                    index += 1
                }
                out.append(UInt8(value))
            case UInt8(ascii: "x"):
                var value = 0
                var digits = 0
                while digits < 2, index < bytes.count, let d = Int(String(UnicodeScalar(bytes[index])), radix: 16) {
                    value = value * 16 + d
                    index += 1
                    digits += 1
                }
                out.append(UInt8(value))
            default: out.append(e)  // \" \' \\
            }
        }
        throw TestFailure("unterminated string")
    }
}
