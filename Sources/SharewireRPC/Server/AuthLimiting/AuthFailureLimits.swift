import NIOCore

/// How many failed authentications a server tolerates, per connection and
/// per peer address (docs/PROTOCOL.md §8.1, docs/SERVER.md §2).
///
/// Each is a token bucket of failures: `burst` at once, then
/// `refillPerSecond`. A connection whose bucket is empty when another
/// failure comes gets GOAWAY (UNAUTHENTICATED) and is closed. While a peer
/// address's bucket is empty, its connections that have not authenticated
/// successfully have every call that needs credentials refused with
/// RESOURCE_EXHAUSTED (`AUTHENTICATION_RATE_LIMITED`) before the
/// credentials are looked at.
public struct AuthFailureLimits: Sendable, Hashable {
    /// Failures one connection may make at once.
    public var connectionBurst = 10
    /// Failures per second a connection earns back (default one a minute).
    public var connectionRefillPerSecond = 1.0 / 60
    /// Failures one peer address may make at once, across its connections.
    public var peerBurst = 100
    /// Failures per second a peer address earns back.
    public var peerRefillPerSecond = 10.0
    /// Peer addresses remembered; the table forgets refilled ones first.
    public var maxTrackedPeers = 16_384

    public init() {}
}
