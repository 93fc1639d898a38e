import NIOCore
import NIOPosix
import SharewireMessages
import SharewireWire
import Synchronization

/// A loopback TCP proxy in front of a real `sharewired` that understands
/// Sharewire frames, counts every REQUEST per method id, and injects faults
/// for chosen methods. It lets tests see exactly how often the client sent a
/// call, which no server-side counter can show for refused calls.
///
/// Faults (each applies to the next `times` REQUESTs of a method):
/// - ``Fault/refuse``: answer RESPONSE UNAVAILABLE itself and never forward
///   the REQUEST, as a draining server does (the call was not processed);
/// - ``Fault/dropResponse``: forward the REQUEST, wait for the server's
///   RESPONSE (so the call *was* processed), drop it and close the client's
///   connection: the client cannot know whether the call took effect;
/// - ``Fault/breakAfterFirstMessage``: forward the REQUEST and the first
///   MESSAGE of its stream, then close the client's connection;
/// - ``Fault/swallowResponse``: forward the REQUEST, drop its RESPONSE and keep
///   the connection: the call hangs until its deadline.
final class FaultProxy: Sendable {
    enum Fault: Sendable, Hashable {
        case refuse
        case dropResponse
        case breakAfterFirstMessage
        case swallowResponse
    }

    private struct State {
        var requests: [UInt32: Int] = [:]
        var faults: [UInt32: (Fault, remaining: Int)] = [:]
    }

    private let state = Mutex(State())
    private let channel: Mutex<(any Channel)?> = Mutex(nil)
    let upstreamPort: Int

    private init(upstreamPort: Int) {
        self.upstreamPort = upstreamPort
    }

    /// Starts a proxy on a free loopback port forwarding to `upstreamPort`.
    static func start(upstreamPort: Int) async throws -> FaultProxy {
        let proxy = FaultProxy(upstreamPort: upstreamPort)
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.autoRead, value: false)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ClientSide(proxy: proxy))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        proxy.channel.withLock { $0 = server }
        return proxy
    }

    /// The port clients connect to.
    var port: Int { channel.withLock { $0?.localAddress?.port ?? 0 } }

    /// Applies `fault` to the next `times` REQUESTs of `method`.
    func inject(_ fault: Fault, into method: MethodID, times: Int = 1) {
        state.withLock { $0.faults[method.rawValue] = (fault, times) }
    }

    /// How many REQUESTs of `method` the client sent through the proxy.
    func requests(_ method: MethodID) -> Int {
        state.withLock { $0.requests[method.rawValue] ?? 0 }
    }

    /// Stops listening (open proxied connections close with their peers).
    func close() async {
        let server = channel.withLock { $0 }
        try? await server?.close()
    }

    /// Counts a REQUEST and returns the fault to apply to it, if any.
    fileprivate func onRequest(methodID: UInt32) -> Fault? {
        state.withLock { state in
            state.requests[methodID, default: 0] += 1
            guard let (fault, remaining) = state.faults[methodID], remaining > 0 else { return nil }
            state.faults[methodID] = remaining == 1 ? nil : (fault, remaining - 1)
            return fault
        }
    }
}

/// Splits a byte stream into the 8-byte preface and whole frames.
private struct FrameSplitter {
    var buffer = ByteBuffer()
    var prefaceSeen = false

    /// The next whole unit (preface, or a frame with its header), if buffered.
    mutating func next() -> (unit: ByteBuffer, isFrame: Bool)? {
        if !prefaceSeen {
            guard let preface = buffer.readSlice(length: Preface.size) else { return nil }
            prefaceSeen = true
            return (preface, false)
        }
        guard let length = buffer.getInteger(at: buffer.readerIndex, as: UInt32.self),
            buffer.readableBytes >= FrameHeader.size + Int(length),
            let frame = buffer.readSlice(length: FrameHeader.size + Int(length))
        else { return nil }
        return (frame, true)
    }
}

private func frameType(_ frame: ByteBuffer) -> UInt8? { frame.getInteger(at: frame.readerIndex + 4) }
private func streamID(_ frame: ByteBuffer) -> UInt32? { frame.getInteger(at: frame.readerIndex + 6) }

/// The client's side of one proxied connection; owns the upstream channel.
/// Both channels live on the same event loop, so every handler method and
/// callback below runs on it.
private final class ClientSide: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    let proxy: FaultProxy
    var splitter = FrameSplitter()
    var upstream: (any Channel)?
    /// Streams whose RESPONSE must be dropped (then the connection closed).
    var dropping: Set<UInt32> = []
    /// Streams whose first MESSAGE is the last frame forwarded.
    var breaking: Set<UInt32> = []
    /// Streams whose RESPONSE is dropped silently.
    var swallowing: Set<UInt32> = []

    init(proxy: FaultProxy) {
        self.proxy = proxy
    }

    func channelActive(context: ChannelHandlerContext) {
        let client = context.channel
        let loopBound = NIOLoopBound(self, eventLoop: context.eventLoop)
        ClientBootstrap(group: context.eventLoop)
            .channelInitializer { upstream in
                upstream.eventLoop.makeCompletedFuture {
                    try upstream.pipeline.syncOperations.addHandler(ServerSide(client: client, owner: loopBound))
                }
            }
            .connect(host: "127.0.0.1", port: proxy.upstreamPort)
            .whenComplete { result in
                switch result {
                case let .success(upstream):
                    loopBound.value.upstream = upstream
                    client.read()
                    _ = client.setOption(.autoRead, value: true)
                case .failure:
                    client.close(promise: nil)
                }
            }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        splitter.buffer.writeBuffer(&bytes)
        while let (unit, isFrame) = splitter.next() {
            guard isFrame, frameType(unit) == FrameType.request.rawValue else {
                upstream?.write(unit, promise: nil)
                continue
            }
            let stream = streamID(unit) ?? 0
            let payload =
                unit.getSlice(
                    at: unit.readerIndex + FrameHeader.size,
                    length: unit.readableBytes - FrameHeader.size) ?? ByteBuffer()
            let head = (try? HeadedPayload(splitting: payload)).flatMap { try? RequestHead(buffer: $0.head) }
            switch proxy.onRequest(methodID: head?.methodID ?? 0) {
            case .refuse:
                context.writeAndFlush(wrapOutboundOut(Self.unavailableResponse(stream: stream)), promise: nil)
            case .dropResponse:
                dropping.insert(stream)
                upstream?.write(unit, promise: nil)
            case .breakAfterFirstMessage:
                breaking.insert(stream)
                upstream?.write(unit, promise: nil)
            case .swallowResponse:
                swallowing.insert(stream)
                upstream?.write(unit, promise: nil)
            case nil:
                upstream?.write(unit, promise: nil)
            }
        }
        upstream?.flush()
    }

    func channelInactive(context: ChannelHandlerContext) {
        upstream?.close(promise: nil)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    /// RESPONSE UNAVAILABLE for `stream`, as a draining server refuses a call.
    static func unavailableResponse(stream: UInt32) -> ByteBuffer {
        var head = ByteBuffer()
        ResponseHead(code: 14, message: "refused by the test proxy; call not processed").serialize(into: &head)
        var frame = ByteBuffer()
        frame.writeInteger(UInt32(4 + head.readableBytes))
        frame.writeInteger(FrameType.response.rawValue)
        frame.writeInteger(UInt8(0))
        frame.writeInteger(stream)
        frame.writeInteger(UInt32(head.readableBytes))
        frame.writeBuffer(&head)
        return frame
    }
}

/// The server's side: forwards frames to the client, except a RESPONSE the
/// client side marked for dropping, on which both connections close.
private final class ServerSide: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    let client: any Channel
    let owner: NIOLoopBound<ClientSide>
    var splitter = FrameSplitter()

    init(client: any Channel, owner: NIOLoopBound<ClientSide>) {
        self.client = client
        self.owner = owner
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        splitter.buffer.writeBuffer(&bytes)
        while let (unit, isFrame) = splitter.next() {
            if isFrame, frameType(unit) == FrameType.response.rawValue,
                let stream = streamID(unit), owner.value.dropping.contains(stream)
            {
                client.flush()
                client.close(promise: nil)
                context.close(promise: nil)
                return
            }
            if isFrame, frameType(unit) == FrameType.response.rawValue,
                let stream = streamID(unit), owner.value.swallowing.contains(stream)
            {
                continue
            }
            client.write(unit, promise: nil)
            if isFrame, frameType(unit) == FrameType.message.rawValue,
                let stream = streamID(unit), owner.value.breaking.contains(stream)
            {
                client.flush()
                client.close(promise: nil)
                context.close(promise: nil)
                return
            }
        }
        client.flush()
    }

    func channelInactive(context: ChannelHandlerContext) {
        client.close(promise: nil)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
