import NIOCore

/// How a client connects and what it expects of calls by default.
public struct ClientConfiguration: Sendable {
    public var host: String
    public var port: Int
    /// Reported in HELLO.
    public var agent: String = "sharewire-client/0.1.0"
    /// Connections in the pool; calls are spread over them round-robin.
    public var connections: Int = 1
    /// Applied to calls that pass no timeout; nil means no deadline.
    public var defaultTimeout: Duration? = .seconds(30)
    public var connectTimeout: TimeAmount = .seconds(5)
    /// Largest response message accepted (announced in HELLO).
    public var maxMessageSize: UInt32 = ProtocolDefaults.maxMessageSize
    /// Client PINGs a silent connection this often; nil disables keepalive.
    /// Never more often than the server's announced minimum.
    public var keepaliveInterval: TimeAmount? = .seconds(30)
    /// A PING unanswered this long closes the connection.
    public var keepaliveTimeout: TimeAmount = .seconds(10)
    /// Reconnect backoff, after gRPC's connection backoff.
    public var backoff: ConnectionBackoff = ConnectionBackoff()
    /// TLS on every connection; nil connects in plaintext (docs/PROTOCOL.md §19).
    public var tls: ClientTLS?
    /// Where connections read the time (keepalive); `.manual` in tests.
    public var clock: ConnectionClock = .nio

    public init(host: String = "127.0.0.1", port: Int = 7070) {
        self.host = host
        self.port = port
    }
}

/// Exponential reconnect backoff with jitter.
public struct ConnectionBackoff: Sendable, Hashable {
    public var initial: TimeAmount = .milliseconds(100)
    public var multiplier: Double = 1.6
    public var maximum: TimeAmount = .seconds(10)
    /// Each delay is randomised by ±jitter (a fraction).
    public var jitter: Double = 0.2

    public init() {}

    /// The delay before reconnect attempt `attempt` (1 = first retry).
    public func delay<G: RandomNumberGenerator>(attempt: Int, using rng: inout G) -> TimeAmount {
        let exponent = Double(max(0, attempt - 1))
        let base = min(Double(initial.nanoseconds) * pow(multiplier, exponent), Double(maximum.nanoseconds))
        let factor = 1 + Double.random(in: -jitter...jitter, using: &rng)
        return .nanoseconds(Int64(base * factor))
    }
}

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif
