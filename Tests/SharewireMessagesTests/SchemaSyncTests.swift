import Foundation
import Testing
import SharewireMessages

/// The hand-written Swift enums mirror enums of the .proto schema; these
/// tests read the schema so the two cannot drift apart silently.
@Suite struct SchemaSyncTests {
    /// `NAME = number;` lines of `enum <name> { ... }` in `file`, with the
    /// comment lines just above each value.
    static func enumValues(_ name: String, in file: String) throws -> [(name: String, number: Int32, comment: String)] {
        let text = try String(contentsOf: Repository.protoRoot.appendingPathComponent(file), encoding: .utf8)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map {
            $0.trimmingCharacters(in: .whitespaces)
        }
        guard let start = lines.firstIndex(where: { $0.hasPrefix("enum \(name) ") }) else {
            throw TestFailure("enum \(name) not found in \(file)")
        }
        var values: [(String, Int32, String)] = []
        var comment = ""
        for line in lines[(start + 1)...] {
            if line.hasPrefix("}") { break }
            if line.hasPrefix("//") { comment = String(line.dropFirst(2)).trimmingCharacters(in: .whitespaces); continue }
            let parts = line.split(whereSeparator: { " =;".contains($0) })
            if parts.count == 2, let number = Int32(parts[1]) {
                values.append((String(parts[0]), number, comment))
                comment = ""
            }
        }
        return values
    }

    /// `DIAGNOSTICS_ECHO_STREAM` -> `diagnosticsEchoStream`
    static func camelCase(_ name: String) -> String {
        let words = name.lowercased().split(separator: "_")
        return ([String(words[0])] + words.dropFirst().map { $0.prefix(1).uppercased() + $0.dropFirst() }).joined()
    }

    @Test func methodIDMirrorsProto() throws {
        let values = try Self.enumValues("MethodId", in: "sharewire/v1/rpc.proto").filter { $0.number != 0 }
        #expect(values.count == MethodID.allCases.count)
        for value in values {
            let id = try #require(MethodID(rawValue: UInt32(value.number)), "MethodID lacks \(value.name)")
            #expect("\(id)" == Self.camelCase(value.name))
            #expect(value.comment.hasPrefix(id.path), "proto comment for \(value.name) names another path")
        }
    }

    @Test func servingStatusMirrorsProto() throws {
        let values = try Self.enumValues("ServingStatus", in: "sharewire/v1/health.proto")
        #expect(values.count == HealthCheckResponse.ServingStatus.allCases.count)
        for value in values {
            let status = try #require(HealthCheckResponse.ServingStatus(rawValue: value.number))
            #expect("\(status)" == Self.camelCase(value.name))
        }
    }

    /// `SHARE_CREATED` -> `shareCreated`, after dropping the enum's value prefix.
    static func checkMirrors<E: ProtoEnum>(_ type: E.Type, _ name: String, prefix: String, in file: String) throws {
        let values = try enumValues(name, in: "sharewire/v1/\(file)")
        #expect(values.count == E.allCases.count, "\(name)")
        for value in values {
            #expect(value.name.hasPrefix(prefix), "\(value.name) lacks the prefix \(prefix)")
            let decoded = E(rawValue: value.number)
            #expect(E.allCases.contains(decoded), "\(name): \(value.name) has no Swift case")
            #expect("\(decoded)" == camelCase(String(value.name.dropFirst(prefix.count))))
        }
    }

    @Test func sharingEnumsMirrorProto() throws {
        try Self.checkMirrors(LanguageCode.self, "LanguageCode", prefix: "LANGUAGE_CODE_", in: "common.proto")
        try Self.checkMirrors(AccessMode.self, "AccessMode", prefix: "ACCESS_MODE_", in: "common.proto")
        try Self.checkMirrors(AuditEventKind.self, "AuditEventKind", prefix: "AUDIT_EVENT_KIND_", in: "events.proto")
        try Self.checkMirrors(NotificationKind.self, "NotificationKind", prefix: "NOTIFICATION_KIND_", in: "events.proto")
    }

    /// The `service` blocks written as comments in the .proto files name the
    /// same paths and ids as the MethodId enum, and Swift types exist for
    /// their request and response messages.
    @Test func serviceCommentsMatchMethodIDs() throws {
        let directory = Repository.protoRoot.appendingPathComponent("sharewire/v1")
        let swiftTypes = Set(SharingSamples.all.map { String(describing: type(of: $0)) })
            .union(["EchoRequest", "EchoResponse", "HealthCheckRequest", "HealthCheckResponse"])
        var seen: Set<MethodID> = []
        for file in try FileManager.default.contentsOfDirectory(atPath: directory.path) where file.hasSuffix(".proto") {
            let text = try String(contentsOf: directory.appendingPathComponent(file), encoding: .utf8)
            var service: String?
            var pending = ""
            for line in text.split(separator: "\n").map({ $0.trimmingCharacters(in: .whitespaces) }) {
                guard line.hasPrefix("//") else { continue }
                let body = line.dropFirst(2).trimmingCharacters(in: .whitespaces)
                if body.hasPrefix("service "), body.hasSuffix("{") {
                    service = String(body.split(separator: " ")[1])
                    continue
                }
                if body == "}" { service = nil; continue }
                guard let service, body.hasPrefix("rpc ") || !pending.isEmpty else { continue }
                pending += " " + body
                guard let idRange = pending.range(of: "// id ") else { continue }
                let rpc = pending[..<idRange.lowerBound]
                let id = try #require(UInt32(pending[idRange.upperBound...].trimmingCharacters(in: .whitespaces)))
                pending = ""
                let words = rpc.split(whereSeparator: { " ();".contains($0) }).filter { !$0.isEmpty }
                // rpc Name Request returns [stream] Response
                #expect(words.count >= 5 && words[0] == "rpc" && words[3] == "returns", "\(file): \(rpc)")
                let method = try #require(MethodID(rawValue: id), "\(file): no MethodID \(id)")
                #expect(method.path == "/sharewire.v1.\(service)/\(words[1])", "\(file): id \(id)")
                #expect(method.isServerStreaming == (words[4] == "stream"), "\(file): \(words[1])")
                #expect(swiftTypes.contains(String(words[2])), "no Swift type \(words[2])")
                #expect(swiftTypes.contains(String(words.last!)), "no Swift type \(words.last!)")
                seen.insert(method)
            }
        }
        let missing = Set(MethodID.allCases).subtracting(seen)
        #expect(missing.isEmpty, "methods without a service comment: \(missing.map(\.path).sorted())")
    }
}
