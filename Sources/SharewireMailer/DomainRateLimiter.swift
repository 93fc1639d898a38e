/// A token bucket per recipient domain, as a pure value with time passed in:
/// each domain may receive `rate` messages a second on average, `burst` at
/// once. Providers throttle or greylist senders that exceed their limits, so
/// a large bulk share to one domain is spread out rather than refused.
public struct DomainRateLimiter<Instant: InstantProtocol>: Sendable where Instant.Duration == Duration {
    /// Messages per second per domain; nil means no limit.
    public let rate: Double?
    public let burst: Double

    struct Bucket {
        var tokens: Double
        var updated: Instant
    }
    private var buckets: [String: Bucket] = [:]
    /// Domains kept at most; the fullest buckets (idle domains) are dropped first.
    static var maximumDomains: Int { 10_000 }

    public init(rate: Double?, burst: Int? = nil) {
        self.rate = rate.flatMap { $0 > 0 ? $0 : nil }
        self.burst = Double(max(1, burst ?? Int(max(1, (rate ?? 1).rounded(.up)))))
    }

    /// Takes a token for a message to `domain` at `now`; returns how long to
    /// wait before sending it (zero when a token was there). The token is
    /// taken either way, so messages queued behind it wait their turn.
    public mutating func reserve(domain: String, now: Instant) -> Duration {
        guard let rate else { return .zero }
        let key = domain.lowercased()
        var bucket = buckets[key] ?? Bucket(tokens: burst, updated: now)
        let elapsed = bucket.updated.duration(to: now)
        if elapsed > .zero {
            bucket.tokens = min(burst, bucket.tokens + Self.seconds(elapsed) * rate)
            bucket.updated = now
        }
        bucket.tokens -= 1
        buckets[key] = bucket
        if buckets.count > Self.maximumDomains { trim(now: now) }
        guard bucket.tokens < 0 else { return .zero }
        let wait = -bucket.tokens / rate
        return .nanoseconds(Int64((wait * 1e9).rounded(.up)))
    }

    /// Drops buckets that have refilled completely (they behave as new).
    private mutating func trim(now: Instant) {
        guard let rate else { return }
        buckets = buckets.filter { _, b in
            b.tokens + Self.seconds(b.updated.duration(to: now)) * rate < burst
        }
    }

    static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }
}

/// The domain of an e-mail address (after the last `@`), lower-cased.
public func mailDomain(of address: String) -> String {
    guard let at = address.lastIndex(of: "@") else { return "" }
    return address[address.index(after: at)...].lowercased()
}
