/// A count of events that a test can await: ``wait(atLeast:timeout:)`` is
/// resumed by the ``add(_:)`` that reaches the target (no polling), or with
/// false once `timeout` passes or the waiting task is cancelled. For events
/// the test's own code sees happen (a message received, a call answered, a
/// progress line), in place of a fixed sleep or a poll of a flag.
public final class EventCounter: Sendable {
    private let counted = AwaitableValue(0)

    public init() {}

    /// The events counted so far.
    public var count: Int { counted.value }

    /// Counts `events` more and resumes the waiters whose target is reached.
    public func add(_ events: Int = 1) {
        counted.update { $0 += events }
    }

    /// Awaits a count of at least `target`; false if it is not reached
    /// within `timeout` (or the task is cancelled first).
    public func wait(atLeast target: Int = 1, timeout: Duration) async -> Bool {
        await counted.wait(until: { $0 >= target }, timeout: timeout)
    }
}
