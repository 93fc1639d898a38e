import NIOCore

/// Everything a server enforces. Every limit has a default and is
/// documented in docs/PROTOCOL.md §10.
public struct ServerConfiguration: Sendable {
    /// Address to bind. Loopback by default: exposing the server is a choice.
    public var host: String = "127.0.0.1"
    /// 0 picks a free port (useful in tests).
    public var port: Int = 7070
    /// Reported in HELLO.
    public var agent: String = "sharewired/0.1.0"
    /// TLS (and, with a client CA, mutual TLS) on every connection; nil
    /// serves plain TCP (docs/PROTOCOL.md §19).
    public var tls: ServerTLS?

    /// Largest frame payload accepted; larger REQUESTs get RESOURCE_EXHAUSTED
    /// without being buffered.
    public var maxFrameSize: UInt32 = ProtocolDefaults.maxFrameSize
    /// Largest request message accepted.
    public var maxMessageSize: UInt32 = ProtocolDefaults.maxMessageSize
    /// Calls running at once on one connection.
    public var maxConcurrentCallsPerConnection: Int = Int(ProtocolDefaults.maxConcurrentCalls)
    /// Calls running at once across the server.
    public var maxConcurrentCalls: Int = 16_384
    /// Open connections; one more gets GOAWAY (RESOURCE_EXHAUSTED).
    public var maxConnections: Int = 1024
    /// Upper bound on a unary call, with or without a client deadline; 0
    /// means none. Server-streaming calls are bounded only by their deadline.
    public var maxCallDuration: TimeAmount = .minutes(10)

    /// Server PINGs a connection that has been silent this long.
    public var keepaliveInterval: TimeAmount = .seconds(60)
    /// ...and closes it if no PONG follows within this.
    public var keepaliveTimeout: TimeAmount = .seconds(20)
    /// Client PINGs closer together than this are strikes.
    public var minPingInterval: TimeAmount = .seconds(10)
    /// Strikes tolerated before GOAWAY.
    public var maxPingStrikes: Int = 2
    /// A connection with no calls for this long is closed with GOAWAY.
    public var idleTimeout: TimeAmount = .minutes(5)
    /// A connection must complete preface and HELLO within this.
    public var handshakeTimeout: TimeAmount = .seconds(10)
    /// A frame whose first bytes arrived must be complete within this, else
    /// the connection gets GOAWAY and is closed: a peer dripping a frame
    /// byte by byte must not hold its connection slot until the idle
    /// timeout. Time while the server holds reads (back-pressure) does not
    /// count.
    public var frameTimeout: TimeAmount = .seconds(10)
    /// After a call's deadline passes, how long its cancelled handler may take
    /// to answer with its own DEADLINE_EXCEEDED (with details) before the
    /// generic one is sent (docs/PROTOCOL.md §7.1).
    public var deadlineAnswerGrace: TimeAmount = .milliseconds(20)
    /// How often each connection checks keepalive, idle and drain timers.
    public var housekeepingInterval: TimeAmount = .seconds(1)

    /// Hard limit on a graceful drain; remaining calls are then cancelled.
    public var drainGracePeriod: TimeAmount = .seconds(30)
    /// Pending outbound bytes above which a connection stops reading
    /// requests until its peer catches up.
    public var writeBufferHighWatermark: Int = 1024 * 1024
    public var writeBufferLowWatermark: Int = 256 * 1024
    /// Server-stream bytes batched before they are handed to the channel
    /// (where the watermarks apply) without waiting for the end of the tick.
    public var streamFlushThreshold: Int = 64 * 1024
    /// Server-stream messages a connection's handlers may send before one of
    /// them yields the event loop to other connections.
    public var streamMessagesPerYield: Int = 32

    /// Failed-authentication limiting per connection and per peer address
    /// (docs/PROTOCOL.md §8.1); nil turns it off. Handlers take part
    /// through ``ServerContext/authentication``.
    public var authFailureLimits: AuthFailureLimits? = AuthFailureLimits()

    /// Told about every call and connection (metrics). `nil`: nothing is
    /// measured and the call path takes no timestamps.
    public var observer: (any ServerObserver)?

    /// Where connections read the time (deadlines, idle, keepalive, drain,
    /// partial frames); `.manual` in tests that step time by hand.
    public var clock: ConnectionClock = .nio

    public init() {}
}
