import NIOCore

/// A token bucket on a caller-supplied clock. Pure: tested with a manual
/// clock. Starts full; each ``take(at:)`` spends one token; tokens come back
/// at `refillPerSecond` up to `capacity`.
public struct TokenBucket: Sendable, Equatable {
    public let capacity: Double
    public let refillPerSecond: Double
    public private(set) var tokens: Double
    public private(set) var updatedAt: NIODeadline

    public init(capacity: Int, refillPerSecond: Double, now: NIODeadline) {
        precondition(
            capacity >= 1 && refillPerSecond >= 0, "a bucket holds at least one token and never drains by itself")
        self.capacity = Double(capacity)
        self.refillPerSecond = refillPerSecond
        self.tokens = Double(capacity)
        self.updatedAt = now
    }

    /// Adds the tokens earned since the last update. A clock that went
    /// backwards earns nothing.
    public mutating func refill(at now: NIODeadline) {
        guard now > updatedAt else { return }
        let seconds = Double((now - updatedAt).nanoseconds) / 1e9
        tokens = min(capacity, tokens + seconds * refillPerSecond)
        updatedAt = now
    }

    /// Spends a token if there is one.
    public mutating func take(at now: NIODeadline) -> Bool {
        refill(at: now)
        guard tokens >= 1 else { return false }
        tokens -= 1
        return true
    }

    /// Whether a ``take(at:)`` now would fail.
    public func isEmpty(at now: NIODeadline) -> Bool {
        var copy = self
        copy.refill(at: now)
        return copy.tokens < 1
    }

    /// Whether the bucket has refilled completely (its history no longer matters).
    public func isFull(at now: NIODeadline) -> Bool {
        var copy = self
        copy.refill(at: now)
        return copy.tokens >= capacity
    }

    /// How long until a token is available (zero if one is).
    public func timeUntilToken(at now: NIODeadline) -> TimeAmount {
        var copy = self
        copy.refill(at: now)
        guard copy.tokens < 1, refillPerSecond > 0 else { return .zero }
        return .nanoseconds(Int64(((1 - copy.tokens) / refillPerSecond * 1e9).rounded(.up)))
    }
}
