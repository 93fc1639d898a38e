import NIOCore

/// One running call on a server connection. Event-loop confined.
struct ServerCall {
    let method: MethodDescriptor
    /// Nil only while `Task.immediate` is still running the call's first part.
    var task: Task<Void, Never>?
    var deadlineTimer: Scheduled<Void>?
    /// The final RESPONSE was written (or the client cancelled, so none is
    /// owed); later results are dropped.
    var finished = false
    /// When the call was dispatched; only taken when an observer is configured.
    let startedAt: NIODeadline?
    /// The status that ended the call early (deadline, CANCEL), for the observer.
    var endedEarlyWith: StatusCode?
    /// The deadline passed and the handler was cancelled; its own
    /// DEADLINE_EXCEEDED, if it answers at once, is sent instead of the
    /// generic one.
    var deadlinePassed = false
    /// What the handler says it is waiting for (see ``DeadlineExplanation``).
    let deadlineExplanation: DeadlineExplanation?

    init(method: MethodDescriptor, startedAt: NIODeadline?, deadlineExplanation: DeadlineExplanation? = nil) {
        self.method = method
        self.startedAt = startedAt
        self.deadlineExplanation = deadlineExplanation
    }
}

/// The server side of a two-phase graceful drain (docs/PROTOCOL.md §12).
enum DrainState: Equatable {
    case serving
    /// First GOAWAY (last id 2^31-1) and a PING are out; new calls are still
    /// accepted, because they may have crossed the GOAWAY on the wire.
    case announced(pingOpaque: UInt64, since: NIODeadline)
    /// Second GOAWAY sent: calls above `lastStreamID` are refused.
    case draining(lastStreamID: UInt32)
    /// GOAWAY for an error or idle close was sent; the channel is closing.
    case closing
}
