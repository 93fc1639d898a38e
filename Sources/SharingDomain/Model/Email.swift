/// A normalized, validated email address.
///
/// Email addresses are compared case-insensitively (docs/DOMAIN.md §1), so the stored
/// form is trimmed and lower-cased once, here, and every index keys on it.
/// The syntax check is deliberately conservative (a practical subset of
/// RFC 5321/5322): it refuses what would be ambiguous or dangerous in a
/// notification header rather than accepting every legal address.
public struct Email: Hashable, Comparable, Sendable, CustomStringConvertible, Codable {
    /// The normalized text: trimmed, lower-cased.
    public let value: String

    /// Normalizes and validates `text`.
    ///
    /// - Throws: `INVALID_EMAIL` or `EMAIL_TOO_LONG`, naming the offending text
    ///   and `field`.
    public init(_ text: some StringProtocol, field: SharingError.Field = .email) throws(SharingError) {
        let trimmed = Email.trim(Substring(text))
        guard trimmed.utf8.count <= Limits.maxEmailLength else {
            throw SharingError(
                .emailTooLong, subject: String(trimmed.prefix(64)), field: field, limit: .emailLength,
                message: "email is longer than \(Limits.maxEmailLength) bytes")
        }
        let lowered = trimmed.lowercased()
        guard Email.isValid(lowered) else {
            throw SharingError(.invalidEmail, subject: lowered, field: field, message: "not a valid email address")
        }
        self.value = lowered
    }

    /// Wraps an already-normalized value read back from storage, unchecked.
    public init(trusted value: String) { self.value = value }

    public var description: String { value }
    public static func < (a: Email, b: Email) -> Bool { a.value < b.value }

    static func trim(_ s: Substring) -> Substring {
        var start = s.startIndex
        var end = s.endIndex
        while start < end, s[start].isWhitespace { start = s.index(after: start) }
        while end > start, s[s.index(before: end)].isWhitespace { end = s.index(before: end) }
        return s[start..<end]
    }

    /// `local@domain`: local is 1...64 bytes of RFC 5322 atext with single,
    /// non-edge dots; domain is ≥2 LDH labels of 1...63 bytes, the last
    /// alphabetic and ≥2 long. ASCII only (IDNs arrive as punycode).
    static func isValid(_ s: String) -> Bool {
        let bytes = Array(s.utf8)
        guard let at = bytes.firstIndex(of: UInt8(ascii: "@")),
            bytes.lastIndex(of: UInt8(ascii: "@")) == at
        else { return false }
        let local = bytes[..<at]
        let domain = bytes[(at + 1)...]
        guard (1...64).contains(local.count), (4...253).contains(domain.count) else { return false }
        var previousDot = true  // refuses a leading dot
        for b in local {
            if b == UInt8(ascii: ".") {
                if previousDot { return false }
                previousDot = true
            } else {
                guard isAtext(b) else { return false }
                previousDot = false
            }
        }
        if previousDot { return false }  // trailing dot
        let labels = domain.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        guard labels.count >= 2 else { return false }
        for label in labels {
            guard (1...63).contains(label.count),
                label.first != UInt8(ascii: "-"), label.last != UInt8(ascii: "-")
            else { return false }
            for b in label where !(isAlnum(b) || b == UInt8(ascii: "-")) { return false }
        }
        let tld = labels[labels.count - 1]
        return tld.count >= 2 && tld.allSatisfy { isAlpha($0) || $0 == UInt8(ascii: "-") || isDigit($0) }
            && !tld.allSatisfy(isDigit)
    }

    private static func isAlpha(_ b: UInt8) -> Bool { (b >= 0x61 && b <= 0x7A) || (b >= 0x41 && b <= 0x5A) }
    private static func isDigit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }
    private static func isAlnum(_ b: UInt8) -> Bool { isAlpha(b) || isDigit(b) }
    private static func isAtext(_ b: UInt8) -> Bool {
        if isAlnum(b) { return true }
        switch b {
        case UInt8(ascii: "!"), UInt8(ascii: "#"), UInt8(ascii: "$"), UInt8(ascii: "%"), UInt8(ascii: "&"),
            UInt8(ascii: "'"), UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "/"),
            UInt8(ascii: "="), UInt8(ascii: "?"), UInt8(ascii: "^"), UInt8(ascii: "_"), UInt8(ascii: "`"),
            UInt8(ascii: "{"), UInt8(ascii: "|"), UInt8(ascii: "}"), UInt8(ascii: "~"):
            return true
        default:
            return false
        }
    }
}
