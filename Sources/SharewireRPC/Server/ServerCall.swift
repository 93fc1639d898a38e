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
