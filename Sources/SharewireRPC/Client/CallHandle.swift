import Synchronization

/// Links a caller's task to its call on the connection's event loop, so a
/// task cancellation can find the stream even if it races the start.
final class CallHandle: Sendable {
    /// 0 until the event loop assigns a stream id.
    let streamID = Atomic<UInt32>(0)
    let cancelled = Atomic<Bool>(false)

    init() {}
}
