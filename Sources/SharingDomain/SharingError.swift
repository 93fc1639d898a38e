/// A typed, stable failure of a sharing rule.
///
/// `reason` is a stable UPPER_SNAKE code clients may switch on; `subject` names
/// the offending id or email and `field` the request field; `status` is a hint
/// the RPC layer maps to a gRPC status code. `message` is for humans only.
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
    /// The request field at fault, when there is one (`deviceIds`, `emails`, `serviceIds`…).
    public let field: String?
    /// A human-readable explanation. Not stable.
    public let message: String

    public init(_ reason: Reason, subject: String? = nil, field: String? = nil, message: String) {
        self.reason = reason
        self.subject = subject
        self.field = field
        self.message = message
    }

    /// The gRPC status hint.
    public var status: StatusHint { reason.status }

    public var description: String {
        var s = "\(reason.rawValue): \(message)"
        if let subject { s += " [\(field ?? "subject")=\(subject)]" }
        return s
    }
}

extension SharingError {
    static func deviceNotFound(_ id: DeviceID, field: String = "deviceIds") -> SharingError {
        SharingError(.deviceNotFound, subject: id.external, field: field, message: "no such device")
    }
    static func notOwner(_ id: DeviceID, field: String = "deviceIds") -> SharingError {
        SharingError(.notDeviceOwner, subject: id.external, field: field, message: "only the device's owner may do this")
    }
    static func accountNotFound(_ id: AccountID) -> SharingError {
        SharingError(.accountNotFound, subject: id.external, field: "account", message: "no such account")
    }
}
