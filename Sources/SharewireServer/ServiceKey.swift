import SharingDomain

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// The server's service key: a shared secret that lets a trusted backend
/// create accounts and act for any account (`x-sharewire-act-as`).
///
/// Only its SHA-256 is kept in memory; a presented key is hashed and the
/// digests are compared in constant time, so neither the comparison's timing
/// nor a memory dump of the long-lived value gives the secret away.
/// There is deliberately no default: a server without one refuses account
/// creation (see docs/SERVER.md).
public struct ServiceKey: Sendable {
    /// The environment variable `sharewired` reads the key from.
    public static let environmentVariable = "SHAREWIRE_SERVICE_KEY"
    /// The environment variable `sharewired` reads the next key of a
    /// rotation from (``ServiceKeyRing``).
    public static let nextEnvironmentVariable = "SHAREWIRE_NEXT_SERVICE_KEY"
    /// Shortest key accepted, in bytes: a guessable service key would hand
    /// out every account.
    public static let minimumLength = 32
    /// Longest key accepted, in bytes.
    public static let maximumLength = 1024

    private let hash: APIKeyHash

    /// Why a configured key was refused.
    public struct InvalidKey: Error, CustomStringConvertible {
        public let description: String
    }

    /// Wraps a secret. Surrounding whitespace (a file's trailing newline) is
    /// trimmed first.
    /// - Throws: ``InvalidKey`` when it is too short, too long, or holds
    ///   whitespace or control characters (they could not be sent in an
    ///   `authorization: Bearer` value intact).
    public init(secret: String) throws(InvalidKey) {
        let trimmed = Self.trim(secret)
        let count = trimmed.utf8.count
        guard count >= Self.minimumLength else {
            throw InvalidKey(description: "service key is \(count) bytes; at least \(Self.minimumLength) are required")
        }
        guard count <= Self.maximumLength else {
            throw InvalidKey(description: "service key is longer than \(Self.maximumLength) bytes")
        }
        guard trimmed.utf8.allSatisfy({ $0 > 0x20 && $0 != 0x7F }) else {
            throw InvalidKey(description: "service key must not contain spaces or control characters")
        }
        hash = APIKey.hash(trimmed)
    }

    /// Whether `presented` is the service key. Constant time in the digests.
    public func matches(_ presented: some StringProtocol) -> Bool {
        APIKey.hash(presented).constantTimeEquals(hash)
    }

    /// Where a key came from, for the start-up log (never the key itself).
    public enum Source: Sendable, Equatable, CustomStringConvertible {
        case file(String)
        /// The named environment variable.
        case environment(String)
        public var description: String {
            switch self {
            case let .file(path): "file \(path)"
            case let .environment(variable): "environment variable \(variable)"
            }
        }
    }

    /// Loads the key from `file` if given, else from the environment
    /// `variable` (``environmentVariable`` unless told otherwise).
    ///
    /// - Returns: `nil` when neither is set (an empty variable counts as unset).
    /// - Throws: ``InvalidKey`` when the file cannot be read or the key is invalid.
    /// - Parameter emptyFileMeansNone: an empty (or whitespace-only) file
    ///   loads as no key instead of failing; for the next key of a rotation,
    ///   whose file is emptied to end the rotation.
    public static func load(
        file: String?, environment: [String: String], variable: String = environmentVariable,
        emptyFileMeansNone: Bool = false
    ) throws(InvalidKey) -> (ServiceKey, Source)? {
        if let file {
            let text = try readFile(file)
            if emptyFileMeansNone, trim(text).isEmpty { return nil }
            return (try ServiceKey(secret: text), .file(file))
        }
        if let value = environment[variable], !trim(value).isEmpty {
            return (try ServiceKey(secret: value), .environment(variable))
        }
        return nil
    }

    private static func trim(_ text: String) -> Substring {
        var s = Substring(text)
        while let c = s.first, c.isWhitespace { s.removeFirst() }
        while let c = s.last, c.isWhitespace { s.removeLast() }
        return s
    }

    /// Reads a small file without Foundation (this module avoids it).
    private static func readFile(_ path: String) throws(InvalidKey) -> String {
        guard let handle = fopen(path, "rb") else {
            throw InvalidKey(description: "cannot open service key file \(path): \(String(cString: strerror(errno)))")
        }
        defer { fclose(handle) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = chunk.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, handle) }
            if n > 0 { bytes += chunk[0..<n] }
            if n < chunk.count { break }
            if bytes.count > maximumLength + 4096 {
                throw InvalidKey(description: "service key file \(path) is too large")
            }
        }
        if ferror(handle) != 0 { throw InvalidKey(description: "cannot read service key file \(path)") }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw InvalidKey(description: "service key file \(path) is not UTF-8 text")
        }
        return text
    }
}
