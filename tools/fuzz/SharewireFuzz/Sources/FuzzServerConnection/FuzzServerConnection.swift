import FuzzSupport
import Logging
import NIOCore
import NIOEmbedded
import SharewireMessages
// Fuzz target: the server's connection handler (SharewireRPC), on NIO's
// EmbeddedChannel: bytes in, whatever frames out.
//
// Input: 1 control byte (how far to move the clock after each chunk, so the
// handshake, frame and idle timeouts and the keepalive fire), 4 bytes
// choosing chunk sizes, then the bytes a client sends. The handler must
// never crash nor trap, and everything it writes must decode as a valid
// server-to-client byte stream (preface, HELLO or GOAWAY, frames).
//
// Only methods that answer on the event loop are registered: a call that ran
// as a Swift task could resume from another thread, which EmbeddedChannel
// does not allow. Echo (by id and by path) answers with its payload or fails
// with its fail_code.
@_spi(Testing) import SharewireRPC
import SharewireWire

let server: RPCServer = {
    var router = RPCRouter()
    router.unary(
        MethodDescriptor(.diagnosticsEcho),
        immediate: { (request: EchoRequest, _) -> EchoResponse? in
            if request.failCode != 0 {
                throw RPCError(StatusCode(wireValue: request.failCode), request.failMessage)
            }
            return EchoResponse(payload: request.payload)
        }
    ) { (request: EchoRequest, _) -> EchoResponse in EchoResponse(payload: request.payload) }
    var configuration = ServerConfiguration()
    // Small limits, so the fuzzer reaches them.
    configuration.maxFrameSize = 4096
    configuration.maxMessageSize = 8192
    configuration.maxConcurrentCallsPerConnection = 4
    // Each housekeeping run costs a fuzz iteration time; 5 s keeps the
    // timeouts reachable with far fewer runs per clock step.
    configuration.housekeepingInterval = .seconds(5)
    var logger = Logger(label: "fuzz.server")
    logger.logLevel = .critical
    return RPCServer(configuration: configuration, router: router, logger: logger)
}()

/// Checks the server's output as a client would decode it.
struct OutputChecker {
    var decoder = FrameDecoder(role: .client, maxFrameSize: .max)
    var buffer = ByteBuffer()
    /// What the server wrote, for `SHAREWIRE_FUZZ_TRACE`.
    var written: [String] = []

    mutating func consume(_ bytes: ByteBuffer) {
        buffer.writeImmutableBuffer(bytes)
        do {
            while let event = try decoder.next(from: &buffer) {
                guard fuzzTracing else { continue }
                switch event {
                case .preface: written.append("preface")
                case let .frame(frame): written.append("\(frame.type)#\(frame.streamID)")
                case let .oversized(header): written.append("oversized \(header.type)#\(header.streamID)")
                }
            }
        } catch {
            fatalError("the server wrote an invalid byte stream: \(error)")
        }
    }

    func finish() {
        do { try decoder.finish(leftover: buffer) } catch {
            fatalError("the server stopped writing inside a frame: \(error)")
        }
    }
}

func drain(_ channel: EmbeddedChannel, into checker: inout OutputChecker) {
    while let out = try? channel.readOutbound(as: ByteBuffer.self) {
        checker.consume(out)
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = ChunkedInput(fuzzInput(data, size), controlBytes: 1)
    // 0 ... 255 × 50 ms after each chunk: up to 12.75 s, past the handshake
    // and frame timeouts.
    let tick = TimeAmount.milliseconds(Int64(input.control[0]) * 50)
    let channel = EmbeddedChannel()
    do {
        try server.addConnectionHandler(to: channel)
        channel.connect(to: try SocketAddress(ipAddress: "127.0.0.1", port: 4242), promise: nil)
    } catch {
        fatalError("cannot set up the channel: \(error)")
    }
    var checker = OutputChecker()
    for chunk in input.chunks where channel.isActive {
        var buffer = channel.allocator.buffer(capacity: chunk.count)
        buffer.writeBytes(chunk)
        // Errors fired down the pipeline surface here; the handler has
        // answered them (GOAWAY) by now.
        _ = try? channel.writeInbound(buffer)
        channel.embeddedEventLoop.advanceTime(by: tick)
        drain(channel, into: &checker)
    }
    if channel.isActive {
        // The client's half-close, then the end of the connection.
        channel.pipeline.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
        channel.embeddedEventLoop.advanceTime(by: .seconds(30))
        drain(channel, into: &checker)
    }
    // Close like a client going away; what the server wrote before it counts.
    channel.close(promise: nil)
    channel.embeddedEventLoop.run()
    drain(channel, into: &checker)
    _ = try? channel.finish(acceptAlreadyClosed: true)
    checker.finish()
    fuzzTrace("server wrote: \(checker.written.joined(separator: " "))")
    return 0
}

@_cdecl("FuzzServerConnection_main")
func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc: argc, argv: argv, fuzzOne)
}
