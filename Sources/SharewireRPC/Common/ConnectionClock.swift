import NIOCore
import Synchronization

/// Where a connection reads the time: deadlines, idle, keepalive, drain and
/// the partial-frame timeout all measure against it.
///
/// `.nio` is the real monotonic clock. `.manual` is advanced by hand, so
/// tests step a connection through its timers without sleeping (with an
/// `EmbeddedEventLoop`, advance its time by the same amount so the scheduled
/// timers fire too).
public enum ConnectionClock: Sendable {
    case nio
    case manual(ManualClock)

    /// The current time.
    @inlinable
    public func now() -> NIODeadline {
        switch self {
        case .nio: return .now()
        case let .manual(clock): return clock.now
        }
    }
}

/// A clock that moves only when told to.
public final class ManualClock: Sendable {
    private let time: Mutex<NIODeadline>

    /// Starts at `start` (an arbitrary fixed point by default).
    public init(start: NIODeadline = .uptimeNanoseconds(1_000_000_000)) {
        time = Mutex(start)
    }

    public var now: NIODeadline { time.withLock { $0 } }

    /// Moves the clock forward by `amount` (never backward).
    public func advance(by amount: TimeAmount) {
        time.withLock { $0 = $0 + max(.zero, amount) }
    }
}
