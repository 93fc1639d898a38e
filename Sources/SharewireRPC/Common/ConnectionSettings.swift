import NIOCore
import SharewireMessages

/// Protocol defaults, used when a HELLO field is 0 (docs/PROTOCOL.md §4).
public enum ProtocolDefaults {
    /// 4 MiB, as gRPC's default receive limit.
    public static let maxMessageSize: UInt32 = 4 * 1024 * 1024
    /// A message plus a 64 KiB allowance for the head and its metadata.
    public static let maxFrameSize: UInt32 = maxMessageSize + 64 * 1024
    public static let maxConcurrentCalls: UInt32 = 1024
}

/// The limits a peer announced in its HELLO, with defaults applied. A sender
/// must stay within the *receiver's* limits.
struct PeerLimits: Sendable {
    var maxFrameSize: UInt32 = ProtocolDefaults.maxFrameSize
    var maxMessageSize: UInt32 = ProtocolDefaults.maxMessageSize
    var maxConcurrentCalls: UInt32 = ProtocolDefaults.maxConcurrentCalls
    var minPingInterval: TimeAmount = .zero

    init() {}

    init(_ hello: Hello) {
        if hello.maxFrameSize != 0 { maxFrameSize = hello.maxFrameSize }
        if hello.maxMessageSize != 0 { maxMessageSize = hello.maxMessageSize }
        if hello.maxConcurrentCalls != 0 { maxConcurrentCalls = hello.maxConcurrentCalls }
        minPingInterval = .milliseconds(Int64(hello.minPingIntervalMs))
    }
}
