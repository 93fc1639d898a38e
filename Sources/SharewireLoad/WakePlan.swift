/// What an open-loop worker does at the end of a wake-up, once every send
/// due by then has gone out. Pure: it is told the time, the next intended
/// send and the timers already armed; it reads no clock, so tests drive it
/// with a virtual one.
///
/// Two rules cut the tool's CPU per request without sending anything early
/// or late:
/// - A send due within `spinNanos` is waited for on the CPU (reading the
///   clock) and sent in the same wake-up: on this kind of VM a sleep and the
///   timer that ends it (`timerfd_settime`, the context switch out and back
///   in) cost more than a short spin.
/// - Timers are never cancelled: the earliest armed timer is kept while it is
///   not later than the next send (when it fires early the worker simply
///   arms the next one), and a new timer is armed only for an earlier time.
///   A cancelled NIO task costs a heap search and a failed promise.
public struct WakePlan: Sendable, Equatable {
    /// One decision.
    public enum Action: Sendable, Equatable {
        /// No timer is needed: nothing is pending, or a completion will send
        /// next (closed loop, the in-flight cap, the end of the schedule).
        case wait
        /// A timer already armed fires at `at`, at or before the next send.
        case sleepOnArmed(at: Int64)
        /// Arm a timer for `at` (the next send), then sleep.
        case arm(at: Int64)
        /// The next send is due at `until`, within the spin budget: wait for
        /// it on the CPU, then send it in this wake-up.
        case spin(until: Int64)
    }

    /// Sends due at most this far ahead are waited for by spinning (0: never spin).
    public let spinNanos: Int64
    /// Deadlines of the timers armed and not yet fired, earliest first.
    public private(set) var armed: [Int64] = []

    /// A plan that spins for sends due within `spinNanos`.
    public init(spinNanos: Int64) {
        self.spinNanos = max(0, spinNanos)
    }

    /// What to do at `now` when the next send is intended at `next` (nil:
    /// none the worker can send without a completion first). `spinAllowed`
    /// is false after a spin in the same wake-up: one spin per wake-up, so
    /// the send it produced is flushed before the next one is waited for.
    public mutating func decide(now: Int64, next: Int64?, spinAllowed: Bool = true) -> Action {
        guard let next else { return .wait }
        if spinAllowed, next > now, next - now <= spinNanos { return .spin(until: next) }
        if let first = armed.first, first <= next { return .sleepOnArmed(at: first) }
        armed.insert(next, at: 0)
        return .arm(at: next)
    }

    /// A timer armed for `deadline` fired.
    public mutating func fired(_ deadline: Int64) {
        if let index = armed.firstIndex(of: deadline) { armed.remove(at: index) }
    }

    /// All armed timers were cancelled (the worker stopped).
    public mutating func cancelAll() { armed.removeAll() }
}
