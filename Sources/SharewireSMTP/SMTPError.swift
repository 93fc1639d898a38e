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

    /// Whether retrying the same message later can succeed.
    public var isTransient: Bool {
        switch self {
        case .transient, .connection, .protocolViolation: true
        case .permanent, .unsupported: false
        }
    }

    public var description: String {
        switch self {
        case let .transient(stage, reply): "SMTP \(stage) refused temporarily: \(reply)"
        case let .permanent(stage, reply): "SMTP \(stage) refused: \(reply)"
        case let .protocolViolation(text): "SMTP protocol violation: \(text)"
        case let .connection(text): "SMTP connection failed: \(text)"
        case let .unsupported(text): "SMTP server unsuitable: \(text)"
        }
    }
}

/// The step of the SMTP dialogue a reply answered.
public enum SMTPStage: String, Hashable, Sendable, CustomStringConvertible {
    case greeting, ehlo, helo, starttls, auth, mailFrom = "MAIL FROM", rcptTo = "RCPT TO", data, message, quit
    public var description: String { rawValue }
}
