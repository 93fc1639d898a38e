import NIOCore
import NIOPosix
import SharewireMessages
import SharewireWire

#if canImport(Glibc)
    import Glibc
#endif

/// A bare TCP connection, with no deadlines or retries of its own, for sending hand-made bytes and reading the
/// server's answer back through an independent frame decoder.
public struct RawConnection {
    private let channel: any Channel
    private var inbound: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator
    private let outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>
    private var decoder = FrameDecoder(role: .client, maxFrameSize: 64 * 1024 * 1024)
    private var buffered = ByteBuffer()
    /// Every event read so far.
    public private(set) var events: [FrameEvent] = []
    public private(set) var closed = false

    /// Connects, runs `body`, then closes.
    public static func with<T>(port: Int, _ body: (inout RawConnection) async throws -> T) async throws -> T {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: "127.0.0.1", port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        return try await channel.executeThenClose { inbound, outbound in
            var connection = RawConnection(
                channel: channel.channel, inbound: inbound.makeAsyncIterator(),
                outbound: outbound)
            return try await body(&connection)
        }
    }

    private init(
        channel: any Channel, inbound: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator,
        outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>
    ) {
        self.channel = channel
        self.inbound = inbound
        self.outbound = outbound
    }

    /// Closes the connection from our side after `delay`: a bound on reads
    /// that wait for the server to act (a test then sees a close with no
    /// GOAWAY, or after the time it expected).
    @discardableResult
    public func closeAfter(_ delay: TimeAmount) -> Scheduled<Void> {
        let channel = self.channel
        return channel.eventLoop.scheduleTask(in: delay) { channel.close(promise: nil) }
    }

    /// Half-closes: sends FIN and keeps reading.
    public func closeOutput() async throws {
        try await channel.close(mode: .output)
    }

    public func send(_ bytes: ByteBuffer) async throws {
        try await outbound.write(bytes)
    }

    /// Reads until an event matches `predicate` (returning it) or the server
    /// closes (returning nil). Tests bound this with a time limit.
    public mutating func read(until predicate: (FrameEvent) -> Bool) async throws -> FrameEvent? {
        while true {
            while let event = try decoder.next(from: &buffered) {
                events.append(event)
                if predicate(event) { return event }
            }
            let next: ByteBuffer?
            do {
                next = try await inbound.next()
            } catch let error as IOError where error.errnoCode == ECONNRESET {
                // A server closing with our bytes unread resets; that is a close too.
                next = nil
            }
            guard var chunk = next else {
                closed = true
                return nil
            }
            buffered.writeBuffer(&chunk)
        }
    }

    /// Reads undecoded bytes until the server closes the connection.
    public mutating func readAllBytes() async throws -> ByteBuffer {
        var all = ByteBuffer()
        while var chunk = try await inbound.next() { all.writeBuffer(&chunk) }
        closed = true
        return all
    }

    /// Reads until the server closes the connection; returns its GOAWAY, if any.
    public mutating func readUntilClosed() async throws -> GoAway? {
        var goAway: GoAway?
        while let event = try await read(until: { _ in true }) {
            if case let .frame(frame) = event, frame.type == .goAway { goAway = try GoAway(buffer: frame.payload) }
        }
        return goAway
    }

    // MARK: Byte builders

    /// The client preface and a default HELLO.
    public static func handshakeBytes(maxFrameSize: UInt32 = 0) -> ByteBuffer {
        var buffer = ByteBuffer()
        Preface.current.write(to: &buffer)
        let frame = buffer.beginFrame(.hello, streamID: 0)
        Hello(agent: "raw-test", maxFrameSize: maxFrameSize).serialize(into: &buffer)
        buffer.endFrame(frame)
        return buffer
    }

    /// A REQUEST frame for `method` carrying `message`.
    public static func requestBytes(
        streamID: UInt32, method: String = "", methodID: UInt32 = 0, message: some ProtoMessage,
        timeoutMicros: UInt64 = 0, metadata: [MetadataEntry] = []
    ) -> ByteBuffer {
        var buffer = ByteBuffer()
        let frame = buffer.beginFrame(.request, streamID: streamID)
        let head = buffer.beginHead()
        RequestHead(method: method, methodID: methodID, timeoutMicros: timeoutMicros, metadata: metadata)
            .serialize(into: &buffer)
        buffer.endHead(head)
        message.serialize(into: &buffer)
        buffer.endFrame(frame)
        return buffer
    }
}

extension FrameEvent {
    /// The RESPONSE frame for `streamID`, if this is one.
    public func response(for streamID: UInt32) -> Frame? {
        if case let .frame(frame) = self, frame.type == .response, frame.streamID == streamID { return frame }
        return nil
    }

    /// The MESSAGE frame for `streamID`, if this is one.
    public func message(for streamID: UInt32) -> Frame? {
        if case let .frame(frame) = self, frame.type == .message, frame.streamID == streamID { return frame }
        return nil
    }

    public var isGoAway: Bool {
        if case let .frame(frame) = self { return frame.type == .goAway }
        return false
    }
}
