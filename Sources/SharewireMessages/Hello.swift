import CSharewireProto

/// Settings a peer announces in its HELLO frame (`sharewire.v1.Hello`).
///
/// Every limit is a ceiling the sender enforces on what it receives; 0 means
/// "use the protocol default" (docs/PROTOCOL.md §4).
public struct Hello: ProtoMessage, Hashable {
    /// Implementation name and version, e.g. `"sharewired/0.1.0"`.
    public var agent: String
    /// Largest frame payload the sender accepts.
    public var maxFrameSize: UInt32
    /// Largest single message the sender accepts.
    public var maxMessageSize: UInt32
    /// Server: most calls it runs at once on this connection. Client: 0.
    public var maxConcurrentCalls: UInt32
    /// Interval of keepalive PINGs on an idle connection.
    public var keepaliveIntervalMs: UInt32
    /// Server: PINGs closer together than this while idle count as strikes.
    public var minPingIntervalMs: UInt32
    /// Server: a connection without calls for this long is closed with GOAWAY.
    public var idleTimeoutMs: UInt32

    public init(
        agent: String = "",
        maxFrameSize: UInt32 = 0,
        maxMessageSize: UInt32 = 0,
        maxConcurrentCalls: UInt32 = 0,
        keepaliveIntervalMs: UInt32 = 0,
        minPingIntervalMs: UInt32 = 0,
        idleTimeoutMs: UInt32 = 0
    ) {
        self.agent = agent
        self.maxFrameSize = maxFrameSize
        self.maxMessageSize = maxMessageSize
        self.maxConcurrentCalls = maxConcurrentCalls
        self.keepaliveIntervalMs = keepaliveIntervalMs
        self.minPingIntervalMs = minPingIntervalMs
        self.idleTimeoutMs = idleTimeoutMs
    }
}

extension Hello: CBridgedMessage {
    typealias CMessage = Sharewire__V1__Hello
    static let cDescriptor = CMessageDescriptor(CMessage(), sharewire__v1__hello__init)

    var cArenaHint: Int { CEncodingArena.hint(agent) }

    func fill(_ c: UnsafeMutablePointer<CMessage>, arena: inout CEncodingArena) {
        c.pointee.agent = arena.cString(agent, field: "agent")
        c.pointee.max_frame_size = maxFrameSize
        c.pointee.max_message_size = maxMessageSize
        c.pointee.max_concurrent_calls = maxConcurrentCalls
        c.pointee.keepalive_interval_ms = keepaliveIntervalMs
        c.pointee.min_ping_interval_ms = minPingIntervalMs
        c.pointee.idle_timeout_ms = idleTimeoutMs
    }

    init(c: UnsafePointer<CMessage>) throws(ProtoDecodingError) {
        self.init(
            agent: try CDecoding.string(c.pointee.agent, field: "agent"),
            maxFrameSize: c.pointee.max_frame_size,
            maxMessageSize: c.pointee.max_message_size,
            maxConcurrentCalls: c.pointee.max_concurrent_calls,
            keepaliveIntervalMs: c.pointee.keepalive_interval_ms,
            minPingIntervalMs: c.pointee.min_ping_interval_ms,
            idleTimeoutMs: c.pointee.idle_timeout_ms)
    }
}
