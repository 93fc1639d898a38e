import Logging
import NIOCore
import SharewireMessages
import SharewireWire

/// A call waiting for its answer on a client connection. Event-loop confined.
struct PendingCall {
    let handle: CallHandle
    var timer: Scheduled<Void>?
    /// Server streaming only: one MESSAGE frame's bytes.
    let onMessage: ((ByteBuffer) -> Void)?
    /// The end of the call: the unary response message, or an empty buffer
    /// for a stream that ended OK; or the error.
    let onEnd: (Result<ByteBuffer, RPCError>) -> Void
}

/// What a call needs to go on the wire.
struct CallStart: Sendable {
    let method: MethodDescriptor
    let metadata: Metadata
    let timeout: Duration?
    let writeMessage: @Sendable (inout ByteBuffer) -> Int
    let onMessage: (@Sendable (ByteBuffer) -> Void)?
    let onEnd: @Sendable (Result<ByteBuffer, RPCError>) -> Void
}

/// The NIO glue of one client connection: it feeds its
/// ``ClientConnectionStateMachine`` the channel's events, the callers' calls
/// and the clock's time, and carries out what the machine returns.
final class ClientConnectionHandler: ChannelDuplexHandler, FrameReading {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let config: ClientConfiguration
    let logger: Logger
    private let clock: ConnectionClock
    private let handshake: EventLoopPromise<Void>
    /// Tells the pool this connection takes no new calls.
    private let onUnusable: @Sendable () -> Void

    private(set) var context: ChannelHandlerContext?
    private(set) var machine: ClientConnectionStateMachine
    var outbox = FrameOutbox()
    private var keepaliveTask: RepeatedTask?

    var state: ClientConnectionStateMachine.State { machine.state }

    init(
        config: ClientConfiguration, logger: Logger, handshake: EventLoopPromise<Void>,
        onUnusable: @escaping @Sendable () -> Void
    ) {
        self.config = config
        self.logger = logger
        self.clock = config.clock
        self.handshake = handshake
        self.onUnusable = onUnusable
        self.machine = ClientConnectionStateMachine(configuration: .init(config))
    }

    // MARK: Lifecycle

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        if context.channel.isActive { connected() }
    }

    func channelActive(context: ChannelHandlerContext) {
        connected()
        context.fireChannelActive()
    }

    private func connected() {
        apply(machine.connected())
        flush()
    }

    func channelInactive(context: ChannelHandlerContext) {
        keepaliveTask?.cancel()
        apply(machine.channelClosed())
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        logger.debug("connection error", metadata: ["error": "\(error)"])
        // The TLS handlers pass on failures as RPCErrors that say what failed.
        if machine.state == .handshaking, let error = error as? RPCError { handshake.fail(error) }
        context.close(promise: nil)
    }

    // MARK: Reading

    var isReading: Bool { machine.isReading }

    func nextEvent() throws(FrameDecodingError) -> FrameEvent? {
        try machine.nextEvent()
    }

    func decodingFailed(_ error: FrameDecodingError) {
        apply(machine.decodingFailed(error))
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        machine.bytesReceived(unwrapInboundIn(data), at: clock.now())
        _ = handleEvents()
        machine.readProcessed()
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        readComplete()
        context.fireChannelReadComplete()
    }

    func handle(_ event: FrameEvent) {
        switch event {
        case .preface:
            break
        case let .frame(frame):
            switch frame.type {
            case .hello: apply(machine.helloReceived(frame.payload, at: clock.now()))
            case .message: machine.messageHandler(streamID: frame.streamID)?(frame.payload)
            case .response: apply(machine.responseReceived(streamID: frame.streamID, frame.payload))
            case .ping: apply(machine.pingReceived(opaque: frame.opaque))
            case .pong: machine.pongReceived()
            case .goAway: apply(machine.goAwayReceived(frame.payload))
            case .request, .cancel: break  // rejected by the decoder for this role
            }
        case let .oversized(header):
            apply(machine.oversizedReceived(header))
        }
    }

    // MARK: Calls

    /// Starts a call. Must run on the event loop.
    func start(_ call: CallStart, handle: CallHandle) {
        guard !handle.cancelled.load(ordering: .sequentiallyConsistent) else {
            return call.onEnd(.failure(RPCError(.cancelled, "call cancelled before it started", notProcessed: true)))
        }
        let streamID: UInt32
        switch machine.admit() {
        case let .refuse(error, unusable):
            if unusable { onUnusable() }
            return call.onEnd(.failure(error))
        case let .start(id):
            streamID = id
        }
        let timeoutMicros = call.timeout.map { UInt64(max(1, $0.microsecondsRoundedUp)) } ?? 0
        let head = RequestHead(
            method: call.method.id == 0 ? call.method.path : "", methodID: call.method.id,
            timeoutMicros: timeoutMicros, metadata: call.metadata)
        let limit = machine.peerLimits.maxMessageSize
        var messageSize = 0
        write { buffer in
            let frame = buffer.beginFrame(.request, streamID: streamID)
            let mark = buffer.beginHead()
            head.serialize(into: &buffer)
            buffer.endHead(mark)
            messageSize = call.writeMessage(&buffer)
            if messageSize > limit {
                buffer.abandonFrame(frame)
            } else {
                buffer.endFrame(frame)
            }
        }
        guard messageSize <= limit else {
            return call.onEnd(
                .failure(
                    RPCError(
                        .resourceExhausted,
                        "request message of \(messageSize) bytes exceeds the server's limit of \(limit)",
                        notProcessed: true)))
        }
        handle.streamID.store(streamID, ordering: .sequentiallyConsistent)
        machine.callStarted(
            streamID: streamID, PendingCall(handle: handle, onMessage: call.onMessage, onEnd: call.onEnd))
        if let timeout = call.timeout, let context {
            let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
            machine.callTimer(
                streamID: streamID,
                context.eventLoop.scheduleTask(
                    in: .nanoseconds(Int64(timeout.nanosecondsClamped))
                ) {
                    let handler = bound.value
                    handler.apply(
                        handler.machine.abandon(streamID: streamID, RPCError(.deadlineExceeded, "deadline exceeded")))
                })
        }
    }

    /// Cancels the call behind `handle` if it is running. Must run on the event loop.
    func cancel(_ handle: CallHandle) {
        let streamID = handle.streamID.load(ordering: .sequentiallyConsistent)
        guard streamID != 0 else { return }
        apply(machine.abandon(streamID: streamID, RPCError(.cancelled, "call cancelled by the client")))
    }

    /// Closes the connection: used by the pool on shutdown.
    func close() {
        apply(machine.shutDown())
    }

    // MARK: Carrying out the machine's steps

    private func apply(_ step: ClientConnectionStateMachine.Step) {
        if let note = step.note { logger.info("\(note.message)") }
        if step.unusable { onUnusable() }
        switch step.handshake {
        case .success?: handshake.succeed(())
        case let .failure(error)?: handshake.fail(error)
        case nil: break
        }
        if let period = step.startKeepalive { startKeepalive(every: period) }
        for (call, result) in step.ended {
            call.timer?.cancel()
            call.onEnd(result)
        }
        apply(step.connection)
    }

    private func apply(_ step: ClientConnectionStateMachine.CallStep) {
        switch step {
        case .untracked:
            return
        case let .ended((call, result), then):
            call.timer?.cancel()
            call.onEnd(result)
            apply(then)
        case let .violation(step):
            apply(step)
        }
    }

    private func startKeepalive(every period: TimeAmount) {
        guard let context else { return }
        let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
        keepaliveTask = context.eventLoop.scheduleRepeatedTask(initialDelay: period, delay: period) { _ in
            let handler = bound.value
            handler.apply(handler.machine.keepaliveTick(at: handler.clock.now()))
        }
    }
}

extension Duration {
    /// Whole microseconds, rounded up so a tiny timeout never becomes 0 (none).
    var microsecondsRoundedUp: Int64 {
        let (seconds, attoseconds) = components
        let micros = seconds.multipliedReportingOverflow(by: 1_000_000)
        if micros.overflow { return .max }
        return micros.partialValue + (attoseconds + 999_999_999_999) / 1_000_000_000_000
    }

    var nanosecondsClamped: Int64 {
        let (seconds, attoseconds) = components
        let nanos = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        if nanos.overflow { return .max }
        return nanos.partialValue + attoseconds / 1_000_000_000
    }
}
