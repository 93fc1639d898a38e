/// One SMTP reply (RFC 5321 §4.2): a three-digit code and its text lines
/// (several for a multi-line reply such as EHLO's).
public struct SMTPReply: Hashable, Sendable, CustomStringConvertible {
    /// The reply code, 200–599.
    public let code: Int
    /// The text of each line, without the code and separator.
    public let lines: [String]

    public init(code: Int, lines: [String]) {
        self.code = code
        self.lines = lines
    }

    /// 2xx.
    public var isPositive: Bool { (200..<300).contains(code) }
    /// 3xx: the server waits for more (DATA's 354, AUTH's 334).
    public var isIntermediate: Bool { (300..<400).contains(code) }
    /// 4xx: try again later.
    public var isTransient: Bool { (400..<500).contains(code) }
    /// 5xx: do not retry unchanged.
    public var isPermanent: Bool { (500..<600).contains(code) }

    public var description: String { "\(code) " + lines.joined(separator: " / ") }
}

/// Assembles replies from lines (`250-first`, `250-second`, `250 last`).
/// Pure: the channel handler feeds it the lines it splits off the stream.
public struct SMTPReplyParser: Sendable {
    private var code: Int?
    private var lines: [String] = []
    /// The most lines one reply may have (a long EHLO list is ~20).
    public static let maxLines = 100

    public init() {}

    /// Whether a reply is partly read (continuation lines seen, not its last).
    public var isInsideReply: Bool { code != nil }

    /// Feeds one line (without CRLF); returns the reply it completes, if any.
    /// - Throws: ``SMTPError/protocolViolation(_:)`` for a line that is not
    ///   `ddd`, `ddd text` or `ddd-text`, a code that changes inside a
    ///   multi-line reply, or too many lines.
    public mutating func feed(_ line: some StringProtocol) throws(SMTPError) -> SMTPReply? {
        let bytes = Array(line.utf8)
        guard bytes.count >= 3, bytes[0..<3].allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else {
            throw .protocolViolation("not an SMTP reply line: \(line.prefix(80))")
        }
        let lineCode = Int(bytes[0] - 48) * 100 + Int(bytes[1] - 48) * 10 + Int(bytes[2] - 48)
        guard (200...599).contains(lineCode) else { throw .protocolViolation("reply code \(lineCode) out of range") }
        let separator: UInt8? = bytes.count > 3 ? bytes[3] : nil
        guard separator == nil || separator == UInt8(ascii: " ") || separator == UInt8(ascii: "-") else {
            throw .protocolViolation("bad separator after reply code: \(line.prefix(80))")
        }
        if let code, code != lineCode {
            throw .protocolViolation("reply code changed from \(code) to \(lineCode) inside a multi-line reply")
        }
        code = lineCode
        lines.append(bytes.count > 4 ? String(decoding: bytes[4...], as: UTF8.self) : "")
        guard lines.count <= Self.maxLines else { throw .protocolViolation("reply longer than \(Self.maxLines) lines") }
        if separator == UInt8(ascii: "-") { return nil }
        defer {
            code = nil
            lines = []
        }
        return SMTPReply(code: lineCode, lines: lines)
    }
}
