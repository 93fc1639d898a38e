/// Exponential backoff with full jitter for transient delivery failures:
/// attempt n waits a random time in [d/2, d] where d = initial × 2^(n-1),
/// capped at `maximum`. Pure: the random source is passed in.
public struct RetrySchedule: Sendable, Hashable {
    public var initial: Duration
    public var maximum: Duration

    public init(initial: Duration = .seconds(1), maximum: Duration = .seconds(300)) {
        self.initial = initial
        self.maximum = max(initial, maximum)
    }

    /// The wait before retry number `attempt` (1 = the first retry).
    public func delay(attempt: Int, using rng: inout some RandomNumberGenerator) -> Duration {
        var d = initial
        for _ in 1..<max(1, min(attempt, 40)) where d < maximum { d *= 2 }
        d = min(d, maximum)
        let ns = d.components.seconds * 1_000_000_000 + d.components.attoseconds / 1_000_000_000
        let half = ns / 2
        return .nanoseconds(half + Int64.random(in: 0...max(0, ns - half), using: &rng))
    }
}
