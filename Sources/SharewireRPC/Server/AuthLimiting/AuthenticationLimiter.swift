import NIOCore
import SharewireMessages
import Synchronization

/// Failed-authentication limiting across one server's connections: the
/// peer-address table, behind a lock. Each connection gets a
/// ``ConnectionAuthentication`` from it.
final class AuthenticationLimiter: Sendable {
    let limits: AuthFailureLimits
    private let peers: Mutex<PeerFailureTable>

    init(limits: AuthFailureLimits) {
        self.limits = limits
        self.peers = Mutex(PeerFailureTable(limits: limits))
    }

    func isLimited(_ peer: String, at now: NIODeadline) -> TimeAmount? {
        peers.withLock { table in
            table.isLimited(peer, at: now) ? table.retryAfter(peer, at: now) : nil
        }
    }

    func recordFailure(_ peer: String, at now: NIODeadline) {
        _ = peers.withLock { $0.recordFailure(peer, at: now) }
    }
}

/// Failed-authentication limiting as one connection's calls see it
/// (``ServerContext/authentication``). The authenticator calls
/// ``admit()`` before it looks at a call's credentials, then
/// ``succeeded()`` or ``failed()``.
///
/// A connection that has authenticated successfully once is not refused
/// because of its peer address's failures (a legitimate client sharing an
/// address with a key-guesser keeps working); its own failures still count
/// against both buckets.
public final class ConnectionAuthentication: Sendable {
    /// The reason of the RESOURCE_EXHAUSTED refusal while the peer is limited.
    public static let rateLimitedReason = "AUTHENTICATION_RATE_LIMITED"

    private let limiter: AuthenticationLimiter
    private let peer: String
    private let proven = Atomic<Bool>(false)
    private let bucket: Mutex<TokenBucket>
    private let closed = Atomic<Bool>(false)
    /// Sends GOAWAY and closes the connection (hops to its event loop).
    private let goAway: @Sendable (_ failures: Int) -> Void
    private let observer: (any ServerObserver)?

    init(
        limiter: AuthenticationLimiter, peer: String, observer: (any ServerObserver)?,
        goAway: @escaping @Sendable (_ failures: Int) -> Void
    ) {
        self.limiter = limiter
        self.peer = peer
        self.observer = observer
        self.goAway = goAway
        self.bucket = Mutex(
            TokenBucket(
                capacity: limiter.limits.connectionBurst,
                refillPerSecond: limiter.limits.connectionRefillPerSecond, now: .now()))
    }

    /// Refuses a call before its credentials are checked while this
    /// connection's peer address is over its failure limit, unless this
    /// connection has authenticated successfully before. A refusal counts as
    /// a failure of this connection.
    ///
    /// - Throws: RESOURCE_EXHAUSTED, reason ``rateLimitedReason``, metadata
    ///   `retry_after_ms`.
    public func admit() throws(RPCError) {
        if proven.load(ordering: .relaxed) { return }
        let now = NIODeadline.now()
        guard let wait = limiter.isLimited(peer, at: now) else { return }
        observer?.authenticationLimited()
        countFailure(at: now)
        let milliseconds = max(1, wait.nanoseconds / 1_000_000)
        throw RPCError(
            .resourceExhausted, "too many failed authentications from this address; retry later",
            details: [
                StatusDetail(
                    reason: Self.rateLimitedReason,
                    metadata: [MetadataEntry(key: "retry_after_ms", value: "\(milliseconds)")])
            ])
    }

    /// The call's credentials were valid.
    public func succeeded() {
        if !proven.load(ordering: .relaxed) { proven.store(true, ordering: .relaxed) }
    }

    /// The call's credentials were missing or invalid (UNAUTHENTICATED).
    public func failed() {
        let now = NIODeadline.now()
        observer?.authenticationFailed()
        limiter.recordFailure(peer, at: now)
        countFailure(at: now)
    }

    /// Spends a token of this connection's bucket; the failure that finds
    /// it empty ends the connection.
    private func countFailure(at now: NIODeadline) {
        let allowed = bucket.withLock { $0.take(at: now) }
        guard !allowed, !closed.exchange(true, ordering: .relaxed) else { return }
        observer?.connectionClosedForAuthenticationFailures()
        goAway(limiter.limits.connectionBurst)
    }
}
