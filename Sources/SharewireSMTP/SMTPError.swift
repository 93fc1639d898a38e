/// Why a message was not delivered. ``isTransient`` tells a sender whether
/// to retry later (4xx, connection trouble) or give up on this message (5xx).
public enum SMTPError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The server answered 4xx at `stage` (e.g. 451 greylisting, 421 closing).
    case transient(stage: SMTPStage, reply: SMTPReply)
    /// The server answered 5xx at `stage` (e.g. 550 no such user, 535 bad credentials).
    case permanent(stage: SMTPStage, reply: SMTPReply)
    /// The server broke the protocol (garbage, an unexpected code).
    case protocolViolation(String)
    /// Connecting, TLS or the connection failed, or the server was silent too long.
    case connection(String)
    /// The configuration cannot work with this server (STARTTLS required
    /// but not offered, AUTH needed but no mechanism we know, credentials
    /// over a connection without TLS).
    case unsupported(String)
    /// The local MTA (`sendmail -i -f FROM -- RCPT…`) exited with `status`
    /// (a sysexits.h code; -1 when it was killed or timed out), saying `output`.
    case localMTA(status: Int32, output: String)

    /// Whether retrying the same message later can succeed.
    public var isTransient: Bool {
        switch self {
        case .transient, .connection, .protocolViolation: true
        case .permanent, .unsupported: false
        case let .localMTA(status, _): Self.transientExitStatuses.contains(status)
        }
    }

    public var description: String {
        switch self {
        case let .transient(stage, reply): "SMTP \(stage) refused temporarily: \(reply)"
        case let .permanent(stage, reply): "SMTP \(stage) refused: \(reply)"
        case let .protocolViolation(text): "SMTP protocol violation: \(text)"
        case let .connection(text): "SMTP connection failed: \(text)"
        case let .unsupported(text): "SMTP server unsuitable: \(text)"
        case let .localMTA(status, output):
            (status < 0 ? "the local MTA did not finish" : "the local MTA exited with status \(status)")
                + (output.isEmpty ? "" : ": \(output)")
        }
    }

    /// sysexits.h codes worth retrying: EX_UNAVAILABLE (69), EX_OSERR (71),
    /// EX_IOERR (74), EX_TEMPFAIL (75), and -1 (killed, timed out). Others
    /// (EX_NOUSER 67, EX_NOHOST 68, EX_DATAERR 65, EX_USAGE 64, EX_NOPERM 77,
    /// EX_CONFIG 78, …) would fail again the same way.
    static let transientExitStatuses: Set<Int32> = [-1, 69, 71, 74, 75]
}

/// The step of the SMTP dialogue a reply answered.
public enum SMTPStage: String, Hashable, Sendable, CustomStringConvertible {
    case greeting, ehlo, helo, starttls, auth
    case mailFrom = "MAIL FROM"
    case rcptTo = "RCPT TO"
    case data, message, quit
    public var description: String { rawValue }
}
