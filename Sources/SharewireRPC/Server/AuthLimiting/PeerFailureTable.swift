import NIOCore

/// The failure buckets of peer addresses. Pure (a manual clock tests it);
/// ``AuthenticationLimiter`` puts it behind a lock.
///
/// Bounded: at most `limits.maxTrackedPeers` entries. Making room first
/// forgets peers whose bucket has refilled (they are as if never seen), then,
/// if none has, the one least recently failed.
struct PeerFailureTable: Sendable {
    let limits: AuthFailureLimits
    private(set) var buckets: [String: TokenBucket] = [:]

    init(limits: AuthFailureLimits) {
        self.limits = limits
    }

    /// Whether `peer` is limited: its bucket is empty.
    func isLimited(_ peer: String, at now: NIODeadline) -> Bool {
        buckets[peer]?.isEmpty(at: now) ?? false
    }

    /// How long until `peer` may try again.
    func retryAfter(_ peer: String, at now: NIODeadline) -> TimeAmount {
        buckets[peer]?.timeUntilToken(at: now) ?? .zero
    }

    /// Records a failure; returns false when the peer's bucket was already
    /// empty (the peer is over its limit).
    mutating func recordFailure(_ peer: String, at now: NIODeadline) -> Bool {
        if buckets[peer] == nil {
            if buckets.count >= limits.maxTrackedPeers { makeRoom(at: now) }
            buckets[peer] = TokenBucket(
                capacity: limits.peerBurst, refillPerSecond: limits.peerRefillPerSecond, now: now)
        }
        return buckets[peer]!.take(at: now)
    }

    private mutating func makeRoom(at now: NIODeadline) {
        buckets = buckets.filter { !$0.value.isFull(at: now) }
        if buckets.count >= limits.maxTrackedPeers,
            let oldest = buckets.min(by: { $0.value.updatedAt < $1.value.updatedAt })?.key
        {
            buckets[oldest] = nil
        }
    }

    /// The key a peer address is limited by: the IP address for IPv4, the
    /// /64 prefix for IPv6 (one host usually holds a whole /64), "unknown"
    /// without one.
    static func key(for address: SocketAddress?) -> String {
        guard let address, let ip = address.ipAddress else { return "unknown" }
        guard case .v6(let v6) = address else { return ip }
        let bytes = withUnsafeBytes(of: v6.address.sin6_addr) { Array($0.prefix(8)) }
        return bytes.map { String($0, radix: 16) }.joined(separator: ":") + "::/64"
    }
}
