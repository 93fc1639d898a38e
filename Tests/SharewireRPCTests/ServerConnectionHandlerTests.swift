import Logging
import NIOCore
import NIOEmbedded
import SharewireMessages
import SharewireTestSupport
import SharewireWire
import Testing

@_spi(Testing) @testable import SharewireRPC

/// The server connection handler on NIO's `EmbeddedChannel` with a manual
/// clock: bytes in, frames out, time stepped by hand. No sockets, no sleeps.
///
/// Only methods answered on the event loop run here (Echo without a delay):
/// a call running as a task could resume on another thread, which
/// `EmbeddedChannel` does not allow.
final class EmbeddedServerConnection {
    let channel = EmbeddedChannel()
    let clock = ManualClock()
    private var decoder = FrameDecoder(role: .client, maxFrameSize: .max)
    private var received = ByteBuffer()

    init(_ configure: (inout ServerConfiguration) -> Void = { _ in }) throws {
        var config = ServerConfiguration()
        config.clock = .manual(clock)
        configure(&config)
        var router = RPCRouter()
        DiagnosticsService().register(in: &router)
        var logger = Logger(label: "test.embedded")
        logger.logLevel = .critical
        let server = RPCServer(configuration: config, router: router, logger: logger)
        try server.addConnectionHandler(to: channel)
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 7070)).wait()
    }

    func send(_ bytes: ByteBuffer) throws {
        try channel.writeInbound(bytes)
    }

    func handshake() throws {
        try send(RawConnection.handshakeBytes())
        let events = try frames()
        guard events.count == 2, case .preface = events[0] else {
            Issue.record("no preface and HELLO: \(events)")
            return
        }
    }

    /// Moves the clock and the loop's timers on, one second at a time (so
    /// each housekeeping tick sees its own time).
    func advance(by amount: TimeAmount, step: TimeAmount = .seconds(1)) {
        var left = amount
        while left > .zero {
            let next = min(step, left)
            clock.advance(by: next)
            channel.embeddedEventLoop.advanceTime(by: next)
            left = left - next
        }
    }

    /// The events the server has written since the last call.
    func frames() throws -> [FrameEvent] {
        while let bytes = try channel.readOutbound(as: ByteBuffer.self) {
            received.writeImmutableBuffer(bytes)
        }
        var events: [FrameEvent] = []
        while let event = try decoder.next(from: &received) { events.append(event) }
        return events
    }

    func goAway() throws -> GoAway? {
        for case let .frame(frame) in try frames() where frame.type == .goAway {
            return try GoAway(buffer: frame.payload)
        }
        return nil
    }

    var isOpen: Bool { channel.isActive }

    static func echo(streamID: UInt32, _ payload: [UInt8] = [1], timeoutMicros: UInt64 = 0) -> ByteBuffer {
        RawConnection.requestBytes(
            streamID: streamID, methodID: Sharewire_V1.Diagnostics.Method.Echo.descriptor.id,
            message: EchoRequest(payload: payload), timeoutMicros: timeoutMicros)
    }
}

@Suite struct ServerConnectionHandlerTests {
    @Test func anEchoIsAnsweredInTheSameRead() throws {
        let connection = try EmbeddedServerConnection()
        try connection.handshake()
        try connection.send(EmbeddedServerConnection.echo(streamID: 1, [7, 8]))
        let response = try #require(try connection.frames().compactMap { $0.response(for: 1) }.first)
        let payload = try HeadedPayload(splitting: response.payload)
        #expect(payload.head.readableBytes == 0)
        #expect(try EchoResponse(buffer: payload.message).payload == [7, 8])
    }

    @Test func aFrameStalledPartWayGetsGoAwayCode4AfterTheFrameTimeout() throws {
        let connection = try EmbeddedServerConnection { $0.frameTimeout = .seconds(10) }
        try connection.handshake()
        let request = EmbeddedServerConnection.echo(streamID: 1)
        try connection.send(request.getSlice(at: 0, length: FrameHeader.size + 1)!)
        connection.advance(by: .seconds(9))
        #expect(try connection.frames().isEmpty)
        #expect(connection.isOpen)
        connection.advance(by: .seconds(1))
        let goAway = try #require(try connection.goAway())
        #expect(goAway.code == StatusCode.deadlineExceeded.rawValue)
        #expect(goAway.reason == "frame not completed within 10000 ms")
        #expect(!connection.isOpen)
    }

    @Test func aFrameDrippedWithinTheTimeoutIsServedAndIdleTimeBetweenFramesDoesNotCount() throws {
        let connection = try EmbeddedServerConnection { $0.frameTimeout = .seconds(10) }
        try connection.handshake()
        let request = EmbeddedServerConnection.echo(streamID: 1)
        let half = request.readableBytes / 2
        try connection.send(request.getSlice(at: 0, length: half)!)
        connection.advance(by: .seconds(9))
        try connection.send(request.getSlice(at: half, length: request.readableBytes - half)!)
        #expect(try connection.frames().contains { $0.response(for: 1) != nil })
        connection.advance(by: .seconds(30))
        try connection.send(EmbeddedServerConnection.echo(streamID: 3))
        #expect(try connection.frames().contains { $0.response(for: 3) != nil })
    }

    @Test func anIdleConnectionIsClosedWithGoAwayIdleTimeout() throws {
        let connection = try EmbeddedServerConnection {
            $0.idleTimeout = .seconds(5)
            $0.keepaliveInterval = .seconds(3600)
        }
        try connection.handshake()
        try connection.send(EmbeddedServerConnection.echo(streamID: 1))
        connection.advance(by: .seconds(4))
        #expect(connection.isOpen)
        connection.advance(by: .seconds(1))
        let goAway = try #require(try connection.goAway())
        #expect(goAway.code == 0)
        #expect(goAway.reason == "idle timeout")
        #expect(goAway.lastStreamID == 1)
        #expect(!connection.isOpen)
    }

    @Test func keepalivePingsAfterSilenceAndClosesWithoutGoAwayWhenUnanswered() throws {
        let connection = try EmbeddedServerConnection {
            $0.keepaliveInterval = .seconds(60)
            $0.keepaliveTimeout = .seconds(20)
        }
        try connection.handshake()
        connection.advance(by: .seconds(60))
        let pings = try connection.frames().filter { if case let .frame(f) = $0 { f.type == .ping } else { false } }
        #expect(pings.count == 1)
        connection.advance(by: .seconds(19))
        #expect(connection.isOpen)
        connection.advance(by: .seconds(1))
        #expect(try connection.goAway() == nil)
        #expect(!connection.isOpen)
    }

    @Test func keepalivePongsDoNotKeepAnIdleConnectionOpen() throws {
        let connection = try EmbeddedServerConnection {
            $0.idleTimeout = .seconds(20)
            $0.keepaliveInterval = .seconds(2)
        }
        try connection.handshake()
        var pongs = 0
        for _ in 0..<19 {
            connection.advance(by: .seconds(1))
            for case let .frame(ping) in try connection.frames() where ping.type == .ping {
                var pong = ByteBuffer()
                pong.writePing(.pong, opaque: ping.opaque)
                try connection.send(pong)
                pongs += 1
            }
        }
        #expect(pongs >= 5)
        #expect(connection.isOpen)
        connection.advance(by: .seconds(1))
        #expect(try connection.goAway()?.reason == "idle timeout")
        #expect(!connection.isOpen)
    }

    @Test func theHandshakeTimeoutClosesAPeerThatNeverSendsHello() throws {
        let connection = try EmbeddedServerConnection { $0.handshakeTimeout = .seconds(10) }
        var preface = ByteBuffer()
        Preface.current.write(to: &preface)
        try connection.send(preface)
        connection.advance(by: .seconds(9))
        #expect(connection.isOpen)
        connection.advance(by: .seconds(1))
        #expect(!connection.isOpen)
        #expect(try connection.goAway() == nil)
    }

    @Test func aDrainWithoutItsPongReachesPhase2AfterOneTickAndCloses() throws {
        let connection = try EmbeddedServerConnection()
        try connection.handshake()
        try connection.send(EmbeddedServerConnection.echo(streamID: 1))
        _ = try connection.frames()
        connection.channel.pipeline.fireUserInboundEventTriggered(ServerDrainEvent())
        var frames = try connection.frames()
        #expect(frames.count == 2)
        guard frames.count == 2, case let .frame(first) = frames[0], case let .frame(ping) = frames[1] else { return }
        #expect(try GoAway(buffer: first.payload).lastStreamID == FrameHeader.maxStreamID)
        #expect(ping.type == .ping)
        #expect(ping.opaque & (1 << 63) != 0)
        // REQUESTs crossing the phase-1 GOAWAY are still served.
        try connection.send(EmbeddedServerConnection.echo(streamID: 3))
        #expect(try connection.frames().contains { $0.response(for: 3) != nil })
        connection.advance(by: .seconds(1))
        frames = try connection.frames()
        guard case let .frame(final)? = frames.first else {
            Issue.record("no phase-2 GOAWAY")
            return
        }
        #expect(try GoAway(buffer: final.payload).lastStreamID == 3)
        #expect(!connection.isOpen)
    }

    @Test func theMatchingPongEndsPhase1AtOnce() throws {
        let connection = try EmbeddedServerConnection()
        try connection.handshake()
        connection.channel.pipeline.fireUserInboundEventTriggered(ServerDrainEvent())
        guard case let .frame(ping)? = try connection.frames().last else { return }
        var pong = ByteBuffer()
        pong.writePing(.pong, opaque: ping.opaque)
        try connection.send(pong)
        let goAway = try #require(try connection.goAway())
        #expect(goAway.lastStreamID == 0)
        #expect(!connection.isOpen)
    }

    @Test func fivePingsBackToBackGetThreePongsThenTooManyPings() throws {
        let connection = try EmbeddedServerConnection()
        try connection.handshake()
        var pings = ByteBuffer()
        for opaque in UInt64(1)...5 { pings.writePing(.ping, opaque: opaque) }
        try connection.send(pings)
        let frames = try connection.frames().compactMap { event -> Frame? in
            if case let .frame(frame) = event { return frame }
            return nil
        }
        #expect(frames.map(\.type) == [.pong, .pong, .pong, .goAway])
        #expect(try GoAway(buffer: frames[3].payload).reason == "too_many_pings")
        #expect(!connection.isOpen)
    }

    @Test func aClientHalfCloseWithNothingRunningClosesAtOnce() throws {
        let connection = try EmbeddedServerConnection()
        try connection.handshake()
        connection.channel.pipeline.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
        #expect(!connection.isOpen)
        #expect(try connection.goAway() == nil)
    }

    /// Found by FuzzServerConnection with LeakSanitizer: with failed-
    /// authentication limiting on (the default), the handler and its
    /// ConnectionAuthentication, whose GOAWAY closure holds the handler,
    /// kept each other alive after the connection closed.
    @Test(arguments: [true, false])
    func theHandlerIsFreedOnceItsConnectionCloses(servedACall: Bool) throws {
        weak var handler: ServerConnectionHandler?
        do {
            let connection = try EmbeddedServerConnection()
            let added = try connection.channel.pipeline.syncOperations.handler(type: ServerConnectionHandler.self)
            #expect(added.authentication != nil, "the limiter is on, so the cycle can form")
            handler = added
            try connection.handshake()
            if servedACall {
                try connection.send(EmbeddedServerConnection.echo(streamID: 1))
                #expect(try connection.frames().contains { $0.response(for: 1) != nil })
            }
            try connection.channel.close().wait()
            _ = try connection.channel.finish(acceptAlreadyClosed: true)
        }
        #expect(handler == nil)
    }
}

/// Every violation of docs/PROTOCOL.md §13 that the server detects, on the
/// handler: the GOAWAY (code 13, reason) it sends before closing.
@Suite struct ServerProtocolViolationTests {
    static func frame(_ type: UInt8, stream: UInt32, payload: [UInt8] = []) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.writeMultipleIntegers(UInt32(payload.count), type, UInt8(0), stream)
        buffer.writeBytes(payload)
        return buffer
    }

    /// A HELLO frame without the preface before it.
    static func helloOnly() -> ByteBuffer {
        var preface = ByteBuffer()
        Preface.current.write(to: &preface)
        let all = RawConnection.handshakeBytes()
        return all.getSlice(
            at: all.readerIndex + preface.readableBytes, length: all.readableBytes - preface.readableBytes)!
    }

    static let rows: [(row: Int, bytes: ByteBuffer, reason: String)] = [
        (3, frame(0x42, stream: 0), "unknown frame type 0x42"),
        (5, helloOnly(), "HELLO sent twice"),
        (
            6, frame(FrameType.response.rawValue, stream: 1, payload: [0, 0, 0, 0]),
            "frame type response not allowed in this direction"
        ),
        (
            7, frame(FrameType.request.rawValue, stream: 0x8000_0001),
            "stream id 2147483649 has the reserved top bit set"
        ),
        (
            8, frame(FrameType.ping.rawValue, stream: 3, payload: [UInt8](repeating: 0, count: 8)),
            "ping frame must use stream 0, got 3"
        ),
        (9, frame(FrameType.cancel.rawValue, stream: 0), "cancel frame must not use stream 0"),
        (10, frame(FrameType.ping.rawValue, stream: 0, payload: [1, 2]), "invalid payload length 2 for ping frame"),
        (11, frame(FrameType.cancel.rawValue, stream: 9), "cancel frame for stream 9, which was never opened"),
        (
            15, frame(FrameType.request.rawValue, stream: 1, payload: [0, 0]),
            "REQUEST on stream 1: payload of 2 bytes is too short for its head length"
        ),
    ]

    @Test(arguments: rows.indices)
    func aViolationGetsGoAwayCode13AndTheConnectionCloses(_ index: Int) throws {
        let (row, bytes, reason) = Self.rows[index]
        let connection = try EmbeddedServerConnection()
        try connection.handshake()
        try connection.send(bytes)
        let goAway = try #require(try connection.goAway(), "row \(row)")
        #expect(goAway.code == StatusCode.internal.rawValue, "row \(row)")
        #expect(goAway.reason == reason, "row \(row)")
        #expect(!connection.isOpen, "row \(row)")
    }

    @Test func row4AFirstFrameOtherThanHello() throws {
        let connection = try EmbeddedServerConnection()
        var bytes = ByteBuffer()
        Preface.current.write(to: &bytes)
        bytes.writePing(.ping, opaque: 1)
        try connection.send(bytes)
        #expect(try connection.goAway()?.reason == "expected HELLO as first frame, got ping")
        #expect(!connection.isOpen)
    }

    @Test func row12AReusedStreamID() throws {
        let connection = try EmbeddedServerConnection()
        try connection.handshake()
        try connection.send(EmbeddedServerConnection.echo(streamID: 5))
        try connection.send(EmbeddedServerConnection.echo(streamID: 3))
        let goAway = try #require(try connection.goAway())
        #expect(goAway.reason == "stream id 3 not greater than last stream id 5 (reused or decreasing)")
        #expect(goAway.lastStreamID == 5)
    }

    @Test func rows1And2TheServersExceptions() throws {
        let http = try EmbeddedServerConnection()
        try http.send(ByteBuffer(string: "GET / HTTP/1.1\r\n\r\n"))
        #expect(try http.frames().isEmpty)
        #expect(!http.isOpen)

        let future = try EmbeddedServerConnection()
        var preface = ByteBuffer()
        Preface(major: 2, minor: 0).write(to: &preface)
        try future.send(preface)
        let events = try future.frames()
        guard case .preface? = events.first, case let .frame(frame)? = events.last, frame.type == .goAway else {
            Issue.record("no preface and GOAWAY: \(events)")
            return
        }
        #expect(try GoAway(buffer: frame.payload).code == StatusCode.unimplemented.rawValue)
        #expect(!future.isOpen)
    }
}
