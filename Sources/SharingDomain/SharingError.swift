/// A typed, stable failure of a sharing rule.
///
/// `reason` is a stable UPPER_SNAKE code clients may switch on; `subject` names
/// the offending id or email, `field` the request field and `limit` the
/// configured limit that was hit; `status` is a hint the RPC layer maps to a
/// gRPC status code. `message` is for humans only.
public struct SharingError: Error, Hashable, Sendable, CustomStringConvertible {
    /// Stable reason codes. Never rename a case's raw value: clients depend on it.
    public enum Reason: String, Sendable, Hashable, CaseIterable {
        // invalidArgument
        case invalidArgument = "INVALID_ARGUMENT"
        case invalidEmail = "INVALID_EMAIL"
        case invalidID = "INVALID_ID"
        case invalidCursor = "INVALID_CURSOR"
        case invalidLanguage = "INVALID_LANGUAGE"
        case invalidPort = "INVALID_PORT"
        case emailTooLong = "EMAIL_TOO_LONG"
        case stringTooLong = "STRING_TOO_LONG"
        case emptySelection = "EMPTY_SELECTION"
        case emptyAccess = "EMPTY_ACCESS"
        case shareToSelf = "SHARE_TO_SELF"
        case contactIsSelf = "CONTACT_IS_SELF"
        case transferToSelf = "TRANSFER_TO_SELF"
        // notFound
        case accountNotFound = "ACCOUNT_NOT_FOUND"
        case contactNotFound = "CONTACT_NOT_FOUND"
        case deviceNotFound = "DEVICE_NOT_FOUND"
        case serviceNotFound = "SERVICE_NOT_FOUND"
        case shareNotFound = "SHARE_NOT_FOUND"
        case apiKeyNotFound = "API_KEY_NOT_FOUND"
        // failedPrecondition
        case contactHasNoAccount = "CONTACT_HAS_NO_ACCOUNT"
        case contactHasAccount = "CONTACT_HAS_ACCOUNT"
        case serviceNotOnDevice = "SERVICE_NOT_ON_DEVICE"
        case inviteRecentlySent = "INVITE_RECENTLY_SENT"
        // permissionDenied
        case notDeviceOwner = "NOT_DEVICE_OWNER"
        case unauthenticated = "UNAUTHENTICATED"
        // alreadyExists
        case accountExists = "ACCOUNT_EXISTS"
        case contactExists = "CONTACT_EXISTS"
        case apiKeyNameInUse = "API_KEY_NAME_IN_USE"
        // resourceExhausted
        case limitExceeded = "LIMIT_EXCEEDED"
        // unavailable / deadlineExceeded
        case storageUnavailable = "STORAGE_UNAVAILABLE"
        // unknown: the store lost its connection after COMMIT was sent
        case commitOutcomeUnknown = "COMMIT_OUTCOME_UNKNOWN"
        case revisionNotReached = "REVISION_NOT_REACHED"
        case cancelled = "CANCELLED"

        /// The gRPC status this reason maps to.
        public var status: StatusHint {
            switch self {
            case .invalidArgument, .invalidEmail, .invalidID, .invalidCursor, .invalidLanguage, .invalidPort,
                .emailTooLong, .stringTooLong, .emptySelection, .emptyAccess, .shareToSelf, .contactIsSelf,
                .transferToSelf:
                return .invalidArgument
            case .accountNotFound, .contactNotFound, .deviceNotFound, .serviceNotFound, .shareNotFound,
                .apiKeyNotFound:
                return .notFound
            case .contactHasNoAccount, .contactHasAccount, .serviceNotOnDevice, .inviteRecentlySent:
                return .failedPrecondition
            case .notDeviceOwner: return .permissionDenied
            case .unauthenticated: return .unauthenticated
            case .accountExists, .contactExists, .apiKeyNameInUse: return .alreadyExists
            case .limitExceeded: return .resourceExhausted
            case .storageUnavailable: return .unavailable
            case .commitOutcomeUnknown: return .unknown
            case .revisionNotReached: return .deadlineExceeded
            case .cancelled: return .cancelled
            }
        }
    }

    /// The gRPC status code a reason maps to (names as in gRPC; raw values are gRPC's numbers).
    public enum StatusHint: Int, Sendable, Hashable {
        case cancelled = 1
        case unknown = 2
        case invalidArgument = 3
        case deadlineExceeded = 4
        case notFound = 5
        case alreadyExists = 6
        case permissionDenied = 7
        case resourceExhausted = 8
        case failedPrecondition = 9
        case unavailable = 14
        case unauthenticated = 16
    }

    public let reason: Reason
    /// The offending id or email (external form), when there is one.
    public let subject: String?
    /// The request field at fault, when there is one (``Field/deviceIds``, ``Field/emails``…).
    public let field: Field?
    /// The configured limit the request went over (`LIMIT_EXCEEDED` and the
    /// length reasons), reported with its value (docs/DOMAIN.md §4).
    public let limit: Limit?
    /// A human-readable explanation. Not stable.
    public let message: String

    public init(_ reason: Reason, subject: String? = nil, field: Field? = nil, limit: Limit? = nil, message: String) {
        self.reason = reason
        self.subject = subject
        self.field = field
        self.limit = limit
        self.message = message
    }

    /// The gRPC status hint.
    public var status: StatusHint { reason.status }

    public var description: String {
        var s = "\(reason.rawValue): \(message)"
        if let subject { s += " [\(field?.rawValue ?? "subject")=\(subject)]" }
        return s
    }
}

extension SharingError {
    static func deviceNotFound(_ id: DeviceID, field: Field = .deviceIds) -> SharingError {
        SharingError(.deviceNotFound, subject: id.external, field: field, message: "no such device")
    }
    static func notOwner(_ id: DeviceID, field: Field = .deviceIds) -> SharingError {
        SharingError(
            .notDeviceOwner, subject: id.external, field: field, message: "only the device's owner may do this")
    }
    static func accountNotFound(_ id: AccountID) -> SharingError {
        SharingError(.accountNotFound, subject: id.external, field: .account, message: "no such account")
    }
}

extension SharingError {
    /// The request field an error names. The case is the domain's name for
    /// it; the raw value is the field as the .proto files spell it, which is
    /// what goes on the wire (`StatusDetail.field`, docs/PROTOCOL.md §12).
    /// A nested field is `parent.child`, a field of a repeated message
    /// `list.child`.
    public enum Field: String, Sendable, Hashable, CaseIterable {
        case account
        case accessMode = "access.mode"
        /// The account a write acts for (an unknown or missing actor).
        case actor
        case apiKey = "api_key"
        /// A read's `min_revision`.
        case atLeastRevision = "min_revision"
        case checks
        case checksDeviceId = "checks.device_id"
        case checksPort = "checks.port"
        case checksUserId = "checks.user_id"
        case company
        case confirmEmail = "confirm_email"
        case consumer
        case contacts
        /// A list's `page_token`.
        case cursor = "page_token"
        case deviceId = "device_id"
        case deviceIds = "device_ids"
        case devices
        case email
        case emails
        case expiresAtMs = "expires_at_ms"
        case firstName = "first_name"
        case keyId = "key_id"
        case kind
        case language
        case lastName = "last_name"
        case name
        case pageSize = "page_size"
        case pairs
        case port
        /// A `PORTS` share's port numbers.
        case ports = "access.ports"
        case query
        case resend
        case serviceId = "service_id"
        /// A `PORTS` share's service ids.
        case serviceIds = "access.service_ids"
        case servicePort = "service.port"
        case services
        case servicesName = "services.name"
        case servicesPort = "services.port"
        case servicesProtocol = "services.protocol"
        /// Stored state, not a request field (an inconsistent store).
        case storage
        case toEmail = "to_email"
        case userId = "user_id"

        /// The field as the .proto files spell it.
        public var wireName: String { rawValue }
    }

    /// A configured limit (``Limits``) an error reports, with its value, as
    /// `limit=N` (docs/DOMAIN.md §4).
    public enum Limit: Sendable, Hashable, CaseIterable {
        /// ``Limits/maxPairsPerBulk``: pairs of a bulk share or remove, and
        /// the rows one device or account deletion may remove.
        case pairsPerBulk
        /// ``Limits/maxPortsPerShare``.
        case portsPerShare
        /// ``Limits/maxServicesPerDevice``.
        case servicesPerDevice
        /// ``Limits/maxPageSize``.
        case pageSize
        /// ``Limits/maxChecksPerBatch``.
        case checksPerBatch
        /// ``Limits/maxDevicesPerCall``.
        case devicesPerCall
        /// ``Limits/maxContactsPerAccount``.
        case contactsPerAccount
        /// ``Limits/maxDevicesPerAccount``.
        case devicesPerAccount
        /// ``Limits/maxShareLifetimeMs``.
        case shareLifetimeMs
        /// ``Limits/maxNameLength``.
        case nameLength
        /// ``Limits/maxProtocolLength``.
        case protocolLength
        /// ``Limits/maxEmailLength`` (fixed).
        case emailLength
    }
}

extension Limits {
    /// The configured value of `limit`.
    public func value(of limit: SharingError.Limit) -> Int {
        switch limit {
        case .pairsPerBulk: maxPairsPerBulk
        case .portsPerShare: maxPortsPerShare
        case .servicesPerDevice: maxServicesPerDevice
        case .pageSize: maxPageSize
        case .checksPerBatch: maxChecksPerBatch
        case .devicesPerCall: maxDevicesPerCall
        case .contactsPerAccount: maxContactsPerAccount
        case .devicesPerAccount: maxDevicesPerAccount
        case .shareLifetimeMs: Int(clamping: maxShareLifetimeMs)
        case .nameLength: maxNameLength
        case .protocolLength: maxProtocolLength
        case .emailLength: Self.maxEmailLength
        }
    }
}
