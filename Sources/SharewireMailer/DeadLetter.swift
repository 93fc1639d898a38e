import Foundation
import SharewireClient
import SharewireSMTP

/// A notification whose message was refused for good (a 5xx reply, or a
/// configuration the server cannot satisfy): what was sent, to whom, and why.
public struct DeadLetter: Codable, Sendable, Hashable {
    public var sequence: UInt64
    public var kind: String
    public var language: String
    public var envelopeFrom: String
    public var recipients: [String]
    /// The refusal, e.g. `SMTP RCPT TO refused: 550 5.1.1 no such mailbox`.
    public var error: String
    /// Delivery attempts so far (first delivery and retries, then any `retry` runs).
    public var attempts: Int
    /// When the notification was committed, and when it was last refused (ISO 8601, UTC).
    public var createdAt: Date
    public var failedAt: Date

    public init(
        sequence: UInt64, kind: String, language: String, envelopeFrom: String, recipients: [String],
        error: String, attempts: Int, createdAt: Date, failedAt: Date = Date()
    ) {
        self.sequence = sequence
        self.kind = kind
        self.language = language
        self.envelopeFrom = envelopeFrom
        self.recipients = recipients
        self.error = error
        self.attempts = attempts
        self.createdAt = createdAt
        self.failedAt = failedAt
    }

    public init(notification n: OutboxNotification, envelope: SMTPEnvelope, error: String, attempts: Int) {
        self.init(
            sequence: n.sequence, kind: n.kind.rawValue, language: n.language.rawValue,
            envelopeFrom: envelope.from, recipients: envelope.recipients, error: error, attempts: attempts,
            createdAt: n.createdAt)
    }

    public var envelope: SMTPEnvelope { SMTPEnvelope(from: envelopeFrom, recipients: recipients) }
}

/// Dead letters on disk: `SEQ.eml` (the exact message, sent again as is by
/// a retry) and `SEQ.json` (the ``DeadLetter``), each written to a temporary
/// name, flushed and renamed, so a crash leaves a whole record or none.
/// The `.json` is written last: a record exists once it is there.
public struct DeadLetterDirectory: Sendable, Hashable {
    public let path: String

    public init(path: String) {
        self.path = path
    }

    /// The record's file (its `.json`).
    public func path(for sequence: UInt64) -> String { "\(path)/\(Self.name(sequence)).json" }

    static func name(_ sequence: UInt64) -> String {
        let digits = String(sequence)
        return String(repeating: "0", count: max(0, 12 - digits.count)) + digits
    }

    public func write(_ record: DeadLetter, message: [UInt8]) throws {
        try FileManager.default.createDirectory(
            atPath: path, withIntermediateDirectories: true,
            attributes: [.posixPermissions: 0o700])
        let base = "\(path)/\(Self.name(record.sequence))"
        try Self.atomicWrite(message, to: base + ".eml")
        try update(record)
    }

    /// Rewrites the record (after a failed retry).
    public func update(_ record: DeadLetter) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        try Self.atomicWrite(Array(try encoder.encode(record)), to: path(for: record.sequence))
    }

    /// Every record, oldest sequence first. Files that are not records are ignored.
    public func list() throws -> [DeadLetter] {
        guard FileManager.default.fileExists(atPath: path) else { return [] }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try FileManager.default.contentsOfDirectory(atPath: path).filter { $0.hasSuffix(".json") }.sorted()
            .compactMap { file in
                guard let data = FileManager.default.contents(atPath: "\(path)/\(file)") else { return nil }
                return try? decoder.decode(DeadLetter.self, from: data)
            }
    }

    /// The message bytes of a record.
    public func message(_ sequence: UInt64) throws -> [UInt8] {
        let file = "\(path)/\(Self.name(sequence)).eml"
        guard let data = FileManager.default.contents(atPath: file) else {
            throw DeadLetterError.missing(file)
        }
        return Array(data)
    }

    /// Removes a record (delivered by a retry, or dropped by the operator).
    public func remove(_ sequence: UInt64) throws {
        let base = "\(path)/\(Self.name(sequence))"
        guard FileManager.default.fileExists(atPath: base + ".json") else {
            throw DeadLetterError.missing(base + ".json")
        }
        try FileManager.default.removeItem(atPath: base + ".json")
        try? FileManager.default.removeItem(atPath: base + ".eml")
    }

    static func atomicWrite(_ bytes: [UInt8], to file: String) throws {
        let temporary = file + ".tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw DeadLetterError.io("creating \(temporary): \(String(cString: strerror(errno)))") }
        var written = 0
        let ok = bytes.withUnsafeBytes { raw -> Bool in
            guard let base = raw.baseAddress else { return fsync(fd) == 0 }
            while written < raw.count {
                let n = Foundation.write(fd, base + written, raw.count - written)
                if n < 0 {
                    if errno == EINTR { continue }
                    return false
                }
                written += n
            }
            return fsync(fd) == 0
        }
        let error = String(cString: strerror(errno))
        close(fd)
        guard ok else { throw DeadLetterError.io("writing \(temporary): \(error)") }
        guard rename(temporary, file) == 0 else {
            throw DeadLetterError.io("renaming \(temporary): \(String(cString: strerror(errno)))")
        }
    }
}

public enum DeadLetterError: Error, CustomStringConvertible {
    case missing(String)
    case io(String)
    public var description: String {
        switch self {
        case let .missing(file): "no dead letter at \(file)"
        case let .io(text): text
        }
    }
}
