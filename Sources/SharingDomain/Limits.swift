/// Limits on what one call or one account may ask for.
///
/// Every limit is checked before anything is applied and, when exceeded,
/// fails with a typed ``SharingError`` (reason `LIMIT_EXCEEDED` or a length
/// reason, status hint `resourceExhausted`/`invalidArgument`) naming the field.
/// Defaults are documented in docs/DOMAIN.md; tests pin each at max and max+1.
public struct Limits: Sendable, Hashable {
    /// Longest external id accepted (`dev_…`), in UTF-8 bytes. Fixed: ids are parsed
    /// before any configuration is at hand.
    public static let maxIDLength = 64
    /// Longest email, in UTF-8 bytes after trimming (RFC 5321 path limit).
    public static let maxEmailLength = 254

    /// Most (device × email) pairs in one bulk share or bulk remove. Default 10,000.
    public var maxPairsPerBulk: Int = 10_000
    /// How long a share invitation (`require_acceptance`) may wait for its
    /// recipient's acceptance before it lapses. Default 7 days.
    public var invitationLifetimeMs: Int64 = 7 * 86_400_000
    /// Most service ids in one `PORTS` share. Default 64.
    public var maxPortsPerShare: Int = 64
    /// Most services on one device. Default 64.
    public var maxServicesPerDevice: Int = 64
    /// Longest device, service, first/last name and company text, in UTF-8 bytes. Default 128.
    public var maxNameLength: Int = 128
    /// Longest service protocol text (`tcp`, `ssh`…), in UTF-8 bytes. Default 32.
    public var maxProtocolLength: Int = 32
    /// Largest page a list query returns. Default 500.
    public var maxPageSize: Int = 500
    /// Page size when the caller gives none (0). Default 50.
    public var defaultPageSize: Int = 50
    /// Most items in one batch check. Default 1,000.
    public var maxChecksPerBatch: Int = 1_000
    /// Most devices in one common-sharees query, leave or transfer. Default 1,000.
    public var maxDevicesPerCall: Int = 1_000
    /// Most contacts one account may have. Default 10,000.
    public var maxContactsPerAccount: Int = 10_000
    /// Most devices one account may own. Default 10,000.
    public var maxDevicesPerAccount: Int = 10_000
    /// Most API keys one account may hold at once. Default 20.
    public var maxAPIKeysPerAccount: Int = 20
    /// A second invite to the same contact within this many seconds of the
    /// last is refused (`INVITE_RECENTLY_SENT`) unless the caller asks to
    /// resend, so a double click or a retrying script does not send the same
    /// person the same mail twice. 0: no window. Default 86,400 (one day).
    public var inviteResendWindowSeconds: Int = 86_400
    /// Longest a time-limited share may last: its expiry at most this many
    /// milliseconds after the write that sets it. Default 3,650 days.
    public var maxShareLifetimeMs: Int64 = 3_650 * 86_400_000

    /// The defaults.
    public init() {}

    /// Resolves a requested page size: 0 means the default; above the maximum is an error.
    public func pageSize(_ requested: Int) throws(SharingError) -> Int {
        if requested == 0 { return defaultPageSize }
        guard requested > 0 else {
            throw SharingError(
                .invalidArgument, subject: String(requested), field: .pageSize,
                message: "page size must be positive")
        }
        guard requested <= maxPageSize else {
            throw SharingError(
                .limitExceeded, subject: String(requested), field: .pageSize, limit: .pageSize,
                message: "page size above the maximum of \(maxPageSize)")
        }
        return requested
    }

    /// Checks a free-text field's length.
    func checkName(_ text: String, field: SharingError.Field, allowEmpty: Bool = false) throws(SharingError) {
        if !allowEmpty && text.isEmpty {
            throw SharingError(
                .invalidArgument, subject: nil, field: field, message: "\(field.wireName) must not be empty")
        }
        if text.utf8.count > maxNameLength {
            throw SharingError(
                .stringTooLong, subject: String(text.prefix(32)), field: field, limit: .nameLength,
                message: "\(field.wireName) is longer than \(maxNameLength) bytes")
        }
        for s in text.unicodeScalars where s.value < 0x20 || s.value == 0x7F {
            throw SharingError(
                .invalidArgument, subject: nil, field: field,
                message: "\(field.wireName) contains a control character")
        }
    }
}
