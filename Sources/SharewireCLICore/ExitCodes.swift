import SharewireClient

/// The `sharewire` exit codes (docs/CLI.md §Exit codes). Stable: scripts may
/// branch on them.
public enum CLIExitCode: Int32, Sendable, CaseIterable, CustomStringConvertible {
    /// Success; for `check`, allowed.
    case ok = 0
    /// `check` only: the answer is no (not allowed).
    case denied = 1
    /// Bad flags or arguments, found before anything was sent.
    case usage = 2
    /// The server refused the request as invalid (INVALID_ARGUMENT, OUT_OF_RANGE): a bad email, id, port…
    case invalidArgument = 3
    /// Something named does not exist or is not visible to the caller (NOT_FOUND).
    case notFound = 4
    /// The thing to create exists (ALREADY_EXISTS).
    case alreadyExists = 5
    /// Authenticated but not allowed (PERMISSION_DENIED), e.g. a recipient renaming a device.
    case permissionDenied = 6
    /// Missing or wrong key (UNAUTHENTICATED).
    case unauthenticated = 7
    /// The state does not allow it (FAILED_PRECONDITION), e.g. the contact has no account yet.
    case failedPrecondition = 8
    /// A limit was hit or the server is overloaded (RESOURCE_EXHAUSTED).
    case resourceExhausted = 9
    /// The server could not be reached or did not process the call (UNAVAILABLE).
    case unavailable = 10
    /// The call timed out (DEADLINE_EXCEEDED).
    case timeout = 11
    /// The CLI's own configuration is wrong or missing: config file, key file, no credentials.
    case config = 12
    /// Any other failure (UNKNOWN, INTERNAL, ABORTED, UNIMPLEMENTED, DATA_LOSS, CANCELLED).
    case failure = 13
    /// A confirmation was declined at the prompt: nothing was changed.
    case cancelled = 14

    /// The exit code for a failed call.
    public init(_ code: SharewireError.Code) {
        switch code {
        case .ok: self = .ok
        case .invalidArgument, .outOfRange: self = .invalidArgument
        case .notFound: self = .notFound
        case .alreadyExists: self = .alreadyExists
        case .permissionDenied: self = .permissionDenied
        case .unauthenticated: self = .unauthenticated
        case .failedPrecondition: self = .failedPrecondition
        case .resourceExhausted: self = .resourceExhausted
        case .unavailable: self = .unavailable
        case .deadlineExceeded: self = .timeout
        case .cancelled, .unknown, .aborted, .unimplemented, .internal, .dataLoss: self = .failure
        }
    }

    /// A short name, e.g. `not-found`.
    public var description: String {
        switch self {
        case .ok: "ok"
        case .denied: "denied"
        case .usage: "usage"
        case .invalidArgument: "invalid-argument"
        case .notFound: "not-found"
        case .alreadyExists: "already-exists"
        case .permissionDenied: "permission-denied"
        case .unauthenticated: "unauthenticated"
        case .failedPrecondition: "failed-precondition"
        case .resourceExhausted: "resource-exhausted"
        case .unavailable: "unavailable"
        case .timeout: "timeout"
        case .config: "config"
        case .failure: "failure"
        case .cancelled: "cancelled"
        }
    }
}

/// A failure found by the CLI itself (never sent to the server): a bad
/// argument, a config problem, an ambiguous device name.
public struct CLIError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The exit code it leads to.
    public var exitCode: CLIExitCode
    /// What went wrong, for people.
    public var message: String
    /// What to do about it, if there is something useful to say.
    public var hint: String?

    /// An error with this exit code and message.
    public init(_ exitCode: CLIExitCode, _ message: String, hint: String? = nil) {
        self.exitCode = exitCode
        self.message = message
        self.hint = hint
    }

    /// The message.
    public var description: String { message }
}
