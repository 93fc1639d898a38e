internal import SharewireMessages
internal import SharewireRPC

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// A failed call: a gRPC status code, a human message and, usually, a typed
/// detail naming what was at fault.
///
/// Branch on ``code`` and ``reason``, never on ``message``:
///
/// ```swift
/// do {
///     try await client.share(devices: ["dev_1"], with: ["bob@example.com"], access: .all)
/// } catch let error where error.reason == .contactHasNoAccount {
///     print("invite \(error.detail?.email ?? "them") first")
/// }
/// ```
///
/// ``notProcessed`` is true when the server provably never ran the call
/// (a refusal while draining, a connection that could not be made); such a
/// call is safe to repeat. ``attempts`` says how many times the client sent
/// it (retries included, docs/CLIENT.md §Retries).
public struct SharewireError: Error, Sendable, Hashable, Codable, CustomStringConvertible {
    /// The status code (gRPC's numbering; docs/PROTOCOL.md §9.1).
    public var code: Code
    /// Human-readable; may change between versions.
    public var message: String
    /// What was at fault: a stable reason, the offending id or email, the
    /// request field, and facts such as the limit. `nil` when the server sent none.
    public var detail: Detail?
    /// True when the call was provably not processed by the server.
    public var notProcessed: Bool
    /// How many attempts were made (1 when the call was not retried).
    public var attempts: Int

    /// Creates an error (mostly for tests and wrappers).
    public init(code: Code, message: String, detail: Detail? = nil, notProcessed: Bool = false, attempts: Int = 1) {
        self.code = code
        self.message = message
        self.detail = detail
        self.notProcessed = notProcessed
        self.attempts = attempts
    }

    /// The detail's reason, e.g. ``Reason/contactHasNoAccount``.
    public var reason: Reason? { detail?.reason }

    /// `CODE: message [REASON subject field]`, e.g.
    /// `FAILED_PRECONDITION: … [CONTACT_HAS_NO_ACCOUNT bob@example.com emails]`.
    public var description: String {
        var text = "\(code): \(message)"
        if let detail {
            text += " [\(detail.reason)"
            if let subject = detail.subject { text += " \(subject)" }
            if let field = detail.field { text += " field=\(field)" }
            for (key, value) in detail.metadata.sorted(by: { $0.key < $1.key }) { text += " \(key)=\(value)" }
            text += "]"
        }
        if attempts > 1 { text += " (after \(attempts) attempts)" }
        return text
    }

    /// gRPC's 17 status codes, spelled as on the wire (`NOT_FOUND`).
    public enum Code: String, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
        /// 0: success (never thrown).
        case ok = "OK"
        /// 1: the call was cancelled, usually by the caller.
        case cancelled = "CANCELLED"
        /// 2: the outcome is unknown.
        case unknown = "UNKNOWN"
        /// 3: the request is invalid whatever the state.
        case invalidArgument = "INVALID_ARGUMENT"
        /// 4: the deadline passed; the call may or may not have taken effect.
        case deadlineExceeded = "DEADLINE_EXCEEDED"
        /// 5: a named object does not exist or is not visible to the caller.
        case notFound = "NOT_FOUND"
        /// 6: the object to create exists.
        case alreadyExists = "ALREADY_EXISTS"
        /// 7: authenticated but not allowed.
        case permissionDenied = "PERMISSION_DENIED"
        /// 8: a limit was hit or the server is overloaded.
        case resourceExhausted = "RESOURCE_EXHAUSTED"
        /// 9: the state does not allow it (e.g. invite the contact first).
        case failedPrecondition = "FAILED_PRECONDITION"
        /// 10: conflicted with a concurrent call.
        case aborted = "ABORTED"
        /// 11: past a valid range.
        case outOfRange = "OUT_OF_RANGE"
        /// 12: the server does not support the method.
        case unimplemented = "UNIMPLEMENTED"
        /// 13: a broken invariant.
        case `internal` = "INTERNAL"
        /// 14: not reached or not processed; see ``SharewireError/notProcessed``.
        case unavailable = "UNAVAILABLE"
        /// 15: unrecoverable data loss.
        case dataLoss = "DATA_LOSS"
        /// 16: missing or invalid credentials.
        case unauthenticated = "UNAUTHENTICATED"

        /// The code's number on the wire, 0–16.
        public var number: Int { Self.allCases.firstIndex(of: self)! }

        /// The wire spelling, e.g. `NOT_FOUND`.
        public var description: String { rawValue }
    }

    /// The machine-readable part of an error (`sharewire.v1.StatusDetail`).
    public struct Detail: Sendable, Hashable, Codable, CustomStringConvertible {
        /// Stable UPPER_SNAKE reason.
        public var reason: Reason
        /// The offending object: an id (`dev_7`), an email, a count; `nil` if none.
        public var subject: String?
        /// The offending request field in the .proto spelling (`emails`,
        /// `device_ids`, `access.service_ids`); `nil` if none.
        public var field: String?
        /// Further facts, e.g. `limit` = `10000`, `cause` = `unknown_key`.
        public var metadata: [String: String]

        /// Creates a detail.
        public init(reason: Reason, subject: String? = nil, field: String? = nil, metadata: [String: String] = [:]) {
            self.reason = reason
            self.subject = subject
            self.field = field
            self.metadata = metadata
        }

        /// The offending email, when the subject is one.
        public var email: String? { subject.flatMap { $0.contains("@") ? $0 : nil } }

        /// The offending id (`acc_3`, `dev_7`, `svc_2`, …), when the subject is one.
        public var id: String? {
            guard let subject, let underscore = subject.firstIndex(of: "_") else { return nil }
            let prefix = subject[..<underscore], digits = subject[subject.index(after: underscore)...]
            guard !prefix.isEmpty, prefix.allSatisfy({ $0.isLetter && $0.isLowercase }),
                !digits.isEmpty, digits.allSatisfy(\.isASCII), digits.allSatisfy(\.isNumber)
            else { return nil }
            return subject
        }

        /// The limit that was exceeded (`metadata["limit"]`), if any.
        public var limit: Int? { metadata["limit"].flatMap { Int($0) } }

        /// `REASON subject field=…`.
        public var description: String {
            [reason.rawValue, subject, field.map { "field=\($0)" }].compactMap { $0 }.joined(separator: " ")
        }
    }

    /// A stable error reason. Known reasons are static members; any other
    /// reason a newer server sends is still representable.
    public struct Reason: RawRepresentable, Sendable, Hashable, Codable, ExpressibleByStringLiteral,
        CustomStringConvertible
    {
        /// The UPPER_SNAKE spelling.
        public var rawValue: String

        /// Wraps a reason string.
        public init(rawValue: String) { self.rawValue = rawValue }
        /// Wraps a reason string literal.
        public init(stringLiteral value: String) { self.rawValue = value }
        /// Decodes from a single string.
        public init(from decoder: any Decoder) throws {
            rawValue = try decoder.singleValueContainer().decode(String.self)
        }
        /// Encodes as a single string.
        public func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            try container.encode(rawValue)
        }
        /// The UPPER_SNAKE spelling.
        public var description: String { rawValue }

        // Domain reasons (common.proto).
        /// A malformed value, e.g. an unknown enum.
        public static let invalidArgument: Reason = "INVALID_ARGUMENT"
        /// Not a valid email address.
        public static let invalidEmail: Reason = "INVALID_EMAIL"
        /// Not a valid id of the expected kind.
        public static let invalidID: Reason = "INVALID_ID"
        /// A page token this service did not issue.
        public static let invalidCursor: Reason = "INVALID_CURSOR"
        /// A language other than en or ja.
        public static let invalidLanguage: Reason = "INVALID_LANGUAGE"
        /// A port outside 1–65535.
        public static let invalidPort: Reason = "INVALID_PORT"
        /// An email above 254 bytes.
        public static let emailTooLong: Reason = "EMAIL_TOO_LONG"
        /// A name above its byte limit (`Detail.limit`).
        public static let stringTooLong: Reason = "STRING_TOO_LONG"
        /// No devices or emails given.
        public static let emptySelection: Reason = "EMPTY_SELECTION"
        /// Port access with no services and without scripting.
        public static let emptyAccess: Reason = "EMPTY_ACCESS"
        /// Sharing with one's own email.
        public static let shareToSelf: Reason = "SHARE_TO_SELF"
        /// Adding oneself as a contact.
        public static let contactIsSelf: Reason = "CONTACT_IS_SELF"
        /// Transferring to oneself.
        public static let transferToSelf: Reason = "TRANSFER_TO_SELF"
        /// No account with that id or email.
        public static let accountNotFound: Reason = "ACCOUNT_NOT_FOUND"
        /// No such contact in the caller's address book.
        public static let contactNotFound: Reason = "CONTACT_NOT_FOUND"
        /// No such device, or one the caller cannot see.
        public static let deviceNotFound: Reason = "DEVICE_NOT_FOUND"
        /// No such service on the device.
        public static let serviceNotFound: Reason = "SERVICE_NOT_FOUND"
        /// The person has no share on the device.
        public static let shareNotFound: Reason = "SHARE_NOT_FOUND"
        /// The API key is not one of the caller's (revoked, or another account's).
        public static let apiKeyNotFound: Reason = "API_KEY_NOT_FOUND"
        /// Sharing refused: the contact has no account yet (invite them first).
        public static let contactHasNoAccount: Reason = "CONTACT_HAS_NO_ACCOUNT"
        /// Invite refused: the person already has an account.
        public static let contactHasAccount: Reason = "CONTACT_HAS_ACCOUNT"
        /// A service of a port share is not on every device of the call.
        public static let serviceNotOnDevice: Reason = "SERVICE_NOT_ON_DEVICE"
        /// Invite refused: one went out within the server's resend window (pass `resend`).
        public static let inviteRecentlySent: Reason = "INVITE_RECENTLY_SENT"
        /// A recipient attempted an owner action.
        public static let notDeviceOwner: Reason = "NOT_DEVICE_OWNER"
        /// Unknown or missing credentials.
        public static let unauthenticated: Reason = "UNAUTHENTICATED"
        /// An account with that email exists.
        public static let accountExists: Reason = "ACCOUNT_EXISTS"
        /// The contact exists.
        public static let contactExists: Reason = "CONTACT_EXISTS"
        /// The account has an API key with that name.
        public static let apiKeyNameInUse: Reason = "API_KEY_NAME_IN_USE"
        /// A count limit was hit (`Detail.limit`).
        public static let limitExceeded: Reason = "LIMIT_EXCEEDED"
        /// The write did not commit; safe to retry.
        public static let storageUnavailable: Reason = "STORAGE_UNAVAILABLE"
        /// Status UNKNOWN: the server lost its database connection after
        /// sending COMMIT, so the write may or may not have been applied.
        /// Never retried: read the state, then decide whether to repeat it.
        public static let commitOutcomeUnknown: Reason = "COMMIT_OUTCOME_UNKNOWN"
        /// An "at least revision R" read timed out.
        public static let revisionNotReached: Reason = "REVISION_NOT_REACHED"
        /// Cancelled.
        public static let cancelled: Reason = "CANCELLED"

        // Server reasons (docs/SERVER.md).
        /// Too many failed authentications from this address lately: RESOURCE_EXHAUSTED,
        /// the key was not even looked at. Not retried; wait, and fix the key.
        public static let authenticationRateLimited: Reason = "AUTHENTICATION_RATE_LIMITED"
        /// The operation needs the service key.
        public static let serviceKeyRequired: Reason = "SERVICE_KEY_REQUIRED"
        /// A service key must name the account it acts for.
        public static let actAsRequired: Reason = "ACT_AS_REQUIRED"
        /// The server has no service key configured.
        public static let serviceKeyNotConfigured: Reason = "SERVICE_KEY_NOT_CONFIGURED"
        /// An account may only check itself, or anyone on a device it owns.
        public static let checkNotAllowed: Reason = "CHECK_NOT_ALLOWED"
        /// Ack past the newest notification.
        public static let sequenceNotReached: Reason = "SEQUENCE_NOT_REACHED"
        /// WatchAccessChanges: the server no longer keeps the changes after this revision;
        /// re-read the state and watch from its revision.
        public static let accessCursorExpired: Reason = "ACCESS_CURSOR_EXPIRED"
        /// WatchAccessChanges: a revision the server has not written.
        public static let accessCursorUnknown: Reason = "ACCESS_CURSOR_UNKNOWN"

        // Transport reasons (docs/PROTOCOL.md §9.2).
        /// The request frame was above the server's limit.
        public static let frameTooLarge: Reason = "FRAME_TOO_LARGE"
        /// The request message was above the server's limit.
        public static let messageTooLarge: Reason = "MESSAGE_TOO_LARGE"
        /// Too many calls on the connection (not processed).
        public static let connectionCallLimit: Reason = "CONNECTION_CALL_LIMIT"
        /// Too many calls on the server (not processed).
        public static let serverCallLimit: Reason = "SERVER_CALL_LIMIT"
        /// The response did not fit the client's limits (the call was processed).
        public static let responseTooLarge: Reason = "RESPONSE_TOO_LARGE"
        /// The server does not know the method.
        public static let unknownMethod: Reason = "UNKNOWN_METHOD"

        // Connection security (docs/PROTOCOL.md §19): UNAVAILABLE, not
        // processed, and never retried.
        /// The server's certificate is not signed by a trusted CA.
        public static let tlsCertificateUntrusted: Reason = "TLS_CERTIFICATE_UNTRUSTED"
        /// The server's certificate has expired.
        public static let tlsCertificateExpired: Reason = "TLS_CERTIFICATE_EXPIRED"
        /// The server's certificate is not valid yet.
        public static let tlsCertificateNotYetValid: Reason = "TLS_CERTIFICATE_NOT_YET_VALID"
        /// The server's certificate does not name the host (or the configured server name).
        public static let tlsHostnameMismatch: Reason = "TLS_HOSTNAME_MISMATCH"
        /// The server refused this client's certificate, or wanted one.
        public static let tlsClientCertificateRejected: Reason = "TLS_CLIENT_CERTIFICATE_REJECTED"
        /// The server requires TLS and this client connected in plaintext.
        public static let tlsRequired: Reason = "TLS_REQUIRED"
        /// This client uses TLS and the server does not speak it.
        public static let tlsNotSpokenByServer: Reason = "TLS_NOT_SPOKEN_BY_SERVER"
        /// The server selected an ALPN protocol other than `sharewire/1`.
        public static let tlsALPNMismatch: Reason = "TLS_ALPN_MISMATCH"
        /// Another TLS handshake failure.
        public static let tlsHandshakeFailed: Reason = "TLS_HANDSHAKE_FAILED"
        /// The client's TLS files are missing or unusable.
        public static let tlsConfigurationInvalid: Reason = "TLS_CONFIGURATION_INVALID"

        /// Whether this reason says a connection could not be secured.
        public var isTLS: Bool { rawValue.hasPrefix("TLS_") }
    }
}

extension SharewireError {
    /// Maps a transport error, keeping the first detail.
    init(_ error: RPCError, attempts: Int = 1) {
        self.init(
            code: Code(error.code), message: error.message,
            detail: error.details.first.map(Detail.init), notProcessed: error.notProcessed, attempts: attempts)
    }

    /// A local failure (never sent, or given up locally).
    static func local(
        _ code: Code, _ message: String, reason: Reason? = nil, field: String? = nil,
        subject: String? = nil, notProcessed: Bool = false
    ) -> SharewireError {
        SharewireError(
            code: code, message: message,
            detail: reason.map { Detail(reason: $0, subject: subject, field: field) },
            notProcessed: notProcessed)
    }

    /// The caller's task was cancelled.
    static let cancelledLocally = SharewireError(code: .cancelled, message: "cancelled by the caller")
}

extension SharewireError.Code {
    init(_ code: StatusCode) {
        self = Self(rawValue: code.description) ?? .unknown
    }
}

extension SharewireError.Detail {
    init(_ detail: StatusDetail) {
        var metadata: [String: String] = [:]
        for entry in detail.metadata where metadata[entry.key] == nil { metadata[entry.key] = entry.value }
        self.init(
            reason: SharewireError.Reason(rawValue: detail.reason),
            subject: detail.subject.isEmpty ? nil : detail.subject,
            field: detail.field.isEmpty ? nil : detail.field, metadata: metadata)
    }
}

extension SharewireError: LocalizedError {
    /// The same text as ``description``, so `localizedDescription` reads well too.
    public var errorDescription: String? { description }
}
