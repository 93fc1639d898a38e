import Logging
import NIOCore
import SharewireMessages
import SharewireWire

/// The NIO glue of one server connection: it feeds its
/// ``ServerConnectionStateMachine`` the channel's events and the clock's
/// time and carries out the machine's actions. Call dispatch is in
/// `ServerConnectionHandler+Calls.swift`.
///
/// Frames never pass through an actor. A method registered with an immediate
/// attempt (Check, Echo) is answered right here, with no task, when it need
/// not wait. Any other call runs as a task that prefers this connection's
/// event loop, started with `Task.immediate`, so a handler that does not
/// suspend is still answered within the same `channelRead`.
final class ServerConnectionHandler: ChannelDuplexHandler, FrameReading {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    let router: RPCRouter
    let config: ServerConfiguration
    let shared: ServerSharedState
    private(set) var logger: Logger
    let clock: ConnectionClock

    private(set) var context: ChannelHandlerContext?
    private(set) var taskExecutor: EventLoopTaskExecutor?
    var machine: ServerConnectionStateMachine
    var outbox = FrameOutbox()
    var headCache = RequestHeadCache()
    var pacer: StreamPacer
    private var housekeeping: RepeatedTask?
    private var writabilityPromise: EventLoopPromise<Void>?
    private(set) var peer = "unknown"
    /// Set once by the TLS pipeline (mutual TLS) before any frame arrives.
    private(set) var peerCertificate: VerifiedPeerCertificate?
    /// Failed-authentication limiting for this connection's calls.
    private(set) var authentication: ConnectionAuthentication?
    /// When the read being handled arrived: the start time of every call it
    /// carries, so a batch of calls reads the clock once, not per call.
    private(set) var readTime: NIODeadline
    /// Whether calls are observed (timed); read once, not per call.
    let observes: Bool

    init(
        router: RPCRouter, config: ServerConfiguration, shared: ServerSharedState, logger: Logger,
        acceptedWithinLimit: Bool
    ) {
        self.router = router
        self.config = config
        self.shared = shared
        self.logger = logger
        self.clock = config.clock
        self.readTime = config.clock.now()
        self.observes = config.observer != nil
        self.pacer = StreamPacer(
            flushThreshold: config.streamFlushThreshold,
            messagesPerYield: config.streamMessagesPerYield)
        self.machine = ServerConnectionStateMachine(
            configuration: .init(config, acceptedWithinLimit: acceptedWithinLimit), now: readTime)
    }

    // MARK: Lifecycle

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        self.taskExecutor = EventLoopTaskExecutor(eventLoop: context.eventLoop)
        if let address = context.channel.remoteAddress { peer = "\(address)" }
        logger[metadataKey: "peer"] = "\(peer)"
        let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
        if let limiter = shared.authLimiter {
            let eventLoop = context.eventLoop
            authentication = ConnectionAuthentication(
                limiter: limiter, peer: PeerFailureTable.key(for: context.channel.remoteAddress),
                observer: config.observer
            ) { failures in
                // Inline when the failing call runs on the loop (it normally
                // does), so the GOAWAY goes out before that call's RESPONSE.
                if eventLoop.inEventLoop {
                    bound.value.tooManyAuthenticationFailures(failures, duringCall: true)
                } else {
                    eventLoop.execute { bound.value.tooManyAuthenticationFailures(failures, duringCall: false) }
                }
            }
        }
        housekeeping = context.eventLoop.scheduleRepeatedTask(
            initialDelay: config.housekeepingInterval, delay: config.housekeepingInterval
        ) { _ in
            let handler = bound.value
            handler.apply(handler.machine.housekeeping(at: handler.clock.now()))
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        housekeeping?.cancel()
        housekeeping = nil
        // The peer is gone: nothing more can be written, so stop the work.
        for call in machine.calls.values {
            call.deadlineTimer?.cancel()
            call.task?.cancel()
        }
        writabilityPromise?.succeed(())
        writabilityPromise = nil
        if let error = machine.channelClosed() {
            logger.debug("peer closed mid-frame", metadata: ["error": "\(error)"])
        }
        logger.debug("connection closed", metadata: ["calls-in-flight": "\(machine.calls.count)"])
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
        // Breaks the cycle handler → authentication → its GOAWAY closure →
        // handler, which otherwise kept every closed connection's handler
        // (state machine, buffers, logger) alive. Calls still running keep
        // their own reference through their ServerContext.
        authentication = nil
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
        readTime = clock.now()
        machine.bytesReceived(unwrapInboundIn(data), at: readTime)
        let decodedAny = handleEvents()
        machine.readProcessed(decodedAny: decodedAny, at: readTime)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        readComplete()
        context.fireChannelReadComplete()
    }

    func read(context: ChannelHandlerContext) {
        // Backpressure: while our peer is not reading responses, do not read
        // more requests from it.
        if machine.readRequested(channelWritable: context.channel.isWritable) { context.read() }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable {
            writabilityPromise?.succeed(())
            writabilityPromise = nil
        }
        if machine.writabilityChanged(writable: context.channel.isWritable, at: clock.now()) { context.read() }
        context.fireChannelWritabilityChanged()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is ServerDrainEvent {
            apply(machine.drainRequested(at: clock.now()))
        } else if let event = event as? PeerCertificateVerified {
            peerCertificate = event.certificate
        } else if let event = event as? ChannelEvent, event == .inputClosed {
            let (action, midFrame) = machine.inputClosed()
            if let midFrame { logger.debug("peer half-closed mid-frame", metadata: ["error": "\(midFrame)"]) }
            apply(action)
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        logger.debug("connection error", metadata: ["error": "\(error)"])
        context.close(promise: nil)
    }

    func handle(_ event: FrameEvent) {
        switch event {
        case .preface:
            apply(machine.prefaceReceived())
        case let .frame(frame):
            switch frame.type {
            case .hello: apply(machine.helloReceived(frame.payload, at: clock.now()))
            case .request: startCall(frame)
            case .cancel: cancelCall(streamID: frame.streamID)
            case .ping: apply(machine.pingReceived(opaque: frame.opaque, at: clock.now()))
            case .pong: apply(machine.pongReceived(opaque: frame.opaque))
            case .goAway:
                let reason = (try? GoAway(buffer: frame.payload))?.reason ?? ""
                logger.debug("client sent GOAWAY", metadata: ["reason": "\(reason)"])
                apply(machine.goAwayReceived())
            case .message, .response: break  // rejected by the decoder for this role
            }
        case let .oversized(header):
            if header.type == .request {
                let limit = config.maxFrameSize
                refuse(
                    streamID: header.streamID,
                    RPCError(
                        .resourceExhausted, "request frame of \(header.length) bytes exceeds the limit of \(limit)",
                        details: [
                            StatusDetail(
                                reason: "FRAME_TOO_LARGE", subject: "\(header.length)",
                                metadata: [MetadataEntry(key: "limit", value: "\(limit)")])
                        ]))
            }
        }
    }

    /// ``ConnectionAuthentication`` found this connection over its limit.
    /// `duringCall`: called from inside the failing call's handler, which
    /// may be on the synchronous path (not running as a task): its end
    /// closes the connection after writing its RESPONSE.
    private func tooManyAuthenticationFailures(_ burst: Int, duringCall: Bool) {
        guard context != nil else { return }
        let action = machine.authenticationLimitReached(burst: burst, duringCall: duringCall)
        guard action != .none else { return }
        logger.notice("closing connection: too many failed authentications", metadata: ["burst": "\(burst)"])
        apply(action)
    }

    // MARK: Writing call frames

    /// Resolves a stream producer waiting for the channel to become writable.
    func writabilityFuture() -> EventLoopFuture<Void>? {
        guard let context else { return nil }
        if writabilityPromise == nil { writabilityPromise = context.eventLoop.makePromise() }
        return writabilityPromise!.futureResult
    }

    /// Appends a MESSAGE or OK RESPONSE frame; returns the error to answer
    /// instead if it breaks the client's limits.
    func appendCallData(_ type: FrameType, streamID: UInt32, _ message: (any ProtoMessage)?) -> RPCError? {
        let limits = machine.peerLimits
        var violation: RPCError?
        write { violation = $0.appendCallData(type, streamID: streamID, message, within: limits) }
        if violation == nil { machine.callDataSent() }
        return violation
    }

    /// Writes an error RESPONSE.
    func respond(streamID: UInt32, _ error: RPCError) {
        let limits = machine.peerLimits
        write { $0.appendErrorResponse(streamID: streamID, error, within: limits) }
        machine.callDataSent()
    }
}

/// Fired into every connection's pipeline to start a graceful drain.
struct ServerDrainEvent: Sendable {}
