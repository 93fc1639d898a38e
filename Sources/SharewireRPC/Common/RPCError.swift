import SharewireMessages

/// A call that ended with a non-OK status.
///
/// Servers throw it from handlers to choose the status; clients receive it
/// for every failed call, whether the server, the connection or a local
/// deadline ended it.
public struct RPCError: Error, Sendable, Hashable, CustomStringConvertible {
    public var code: StatusCode
    public var message: String
    /// Typed, machine-readable facts: which id, email or limit was at fault.
    public var details: [StatusDetail]
    /// True when the server provably never started processing the call
    /// (refused by GOAWAY, never written, connection refused). Such a call is
    /// safe to retry even if it is not idempotent.
    public var notProcessed: Bool

    public init(_ code: StatusCode, _ message: String, details: [StatusDetail] = [], notProcessed: Bool = false) {
        self.code = code
        self.message = message
        self.details = details
        self.notProcessed = notProcessed
    }

    public var description: String {
        var text = "\(code): \(message)"
        for detail in details {
            text += " [\(detail.reason)"
            if !detail.subject.isEmpty { text += " \(detail.subject)" }
            text += "]"
        }
        return text
    }
}
