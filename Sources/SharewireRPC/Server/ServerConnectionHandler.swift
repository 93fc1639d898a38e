import Logging
import NIOCore
import SharewireMessages
import SharewireWire

/// The whole server side of one connection: decoding, call dispatch,
/// deadlines, cancel, keepalive, drain and limits.
///
/// Frames never pass through an actor. A method registered with an immediate
/// attempt (Check, Echo) is answered right here, with no task, when it need
/// not wait. Any other call runs as a task that prefers this connection's
/// event loop, started with `Task.immediate`, so a handler that does not
/// suspend is still answered within the same `channelRead`.
final class ServerConnectionHandler: ChannelDuplexHandler, FrameWriting {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let router: RPCRouter
    private let config: ServerConfiguration
    private let shared: ServerSharedState
    private var logger: Logger
    private let acceptedWithinLimit: Bool

    private(set) var context: ChannelHandlerContext?
    private var taskExecutor: EventLoopTaskExecutor?
    private var reader: FrameReader
    var outbox = FrameOutbox()
    private var peerLimits = PeerLimits()
    private var calls: [UInt32: ServerCall] = [:]
    private var drain = DrainState.serving
    private var policer: PingPolicer
    private var pacer: StreamPacer
    private var housekeeping: RepeatedTask?
    private var lastReadAt = NIODeadline.now()
    /// When the frame the peer is part-way through began arriving (or reads
    /// were last resumed); nil between frames.
    private var partialFrameSince: NIODeadline?
    private let connectedAt = NIODeadline.now()
    /// The client's HELLO arrived.
    private var handshaken = false
    /// Our preface and HELLO went out (after the client's preface).
    private var prefaceSent = false
    private var lastCallEndedAt = NIODeadline.now()
    private var keepalivePingSentAt: NIODeadline?
    private var nextPingOpaque: UInt64 = 1
    private var readHeld = false
    /// The peer half-closed: no more frames (so no PONG) will arrive.
    private var inputClosed = false
    private var writabilityPromise: EventLoopPromise<Void>?
    private var peer = "unknown"
    /// Set once by the TLS pipeline (mutual TLS) before any frame arrives.
    private var peerCertificate: VerifiedPeerCertificate?
    /// Failed-authentication limiting for this connection's calls.
    private var authentication: ConnectionAuthentication?

    init(router: RPCRouter, config: ServerConfiguration, shared: ServerSharedState, logger: Logger,
         acceptedWithinLimit: Bool) {
        self.router = router
        self.config = config
        self.shared = shared
        self.logger = logger
        self.acceptedWithinLimit = acceptedWithinLimit
        self.reader = FrameReader(decoder: FrameDecoder(role: .server, maxFrameSize: config.maxFrameSize))
        self.policer = PingPolicer(minInterval: config.minPingInterval, maxStrikes: config.maxPingStrikes)
        self.pacer = StreamPacer(flushThreshold: config.streamFlushThreshold,
                                 messagesPerYield: config.streamMessagesPerYield)
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
        ) { _ in bound.value.runHousekeeping() }
    }

    func channelInactive(context: ChannelHandlerContext) {
        housekeeping?.cancel()
        housekeeping = nil
        // The peer is gone: nothing more can be written, so stop the work.
        for (_, call) in calls {
            call.deadlineTimer?.cancel()
            call.task?.cancel()
        }
        writabilityPromise?.succeed(())
        writabilityPromise = nil
        do {
            try reader.finish()
        } catch {
            logger.debug("peer closed mid-frame", metadata: ["error": "\(error)"])
        }
        logger.debug("connection closed", metadata: ["calls-in-flight": "\(calls.count)"])
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    // MARK: Reading

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let bytes = unwrapInboundIn(data)
        let now = NIODeadline.now()
        lastReadAt = now
        reader.append(bytes)
        outbox.inReadLoop = true
        var decodedAny = false
        while drain != .closing {
            let event: FrameEvent?
            do {
                event = try reader.next()
            } catch .badMagic {
                // Not a Sharewire client: answer nothing (docs/PROTOCOL.md §1).
                drain = .closing
                context.close(promise: nil)
                break
            } catch .unsupportedVersion(let major, let minor) {
                write { Preface.current.write(to: &$0) }
                goAwayAndClose(code: .unimplemented, reason: "unsupported protocol version \(major).\(minor); this server speaks 1.x")
                break
            } catch {
                protocolViolation(error.description)
                break
            }
            guard let event else { break }
            decodedAny = true
            handle(event)
        }
        reader.compact()
        // A new partial frame starts its clock; more bytes of the same one do not.
        if !reader.isInsideFrame {
            partialFrameSince = nil
        } else if decodedAny || partialFrameSince == nil {
            partialFrameSince = now
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        outbox.inReadLoop = false
        flush()
        context.fireChannelReadComplete()
    }

    func read(context: ChannelHandlerContext) {
        // Backpressure: while our peer is not reading responses, do not read
        // more requests from it.
        if context.channel.isWritable {
            context.read()
        } else {
            readHeld = true
        }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable {
            writabilityPromise?.succeed(())
            writabilityPromise = nil
            if readHeld {
                readHeld = false
                // Time with reads held was ours, not the peer's.
                if partialFrameSince != nil { partialFrameSince = .now() }
                context.read()
            }
        }
        context.fireChannelWritabilityChanged()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is ServerDrainEvent {
            beginDrain()
        } else if let event = event as? PeerCertificateVerified {
            peerCertificate = event.certificate
        } else if let event = event as? ChannelEvent, event == .inputClosed {
            peerClosedInput()
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        logger.debug("connection error", metadata: ["error": "\(error)"])
        context.close(promise: nil)
    }

    private func handle(_ event: FrameEvent) {
        switch event {
        case .preface:
            sendPrefaceAndHello()
        case let .frame(frame):
            switch frame.type {
            case .hello: receiveHello(frame.payload)
            case .request: startCall(frame)
            case .cancel: cancelCall(streamID: frame.streamID)
            case .ping: receivePing(frame.payload)
            case .pong: receivePong(frame.payload)
            case .goAway: receiveGoAway(frame.payload)
            case .message, .response: break  // rejected by the decoder for this role
            }
        case let .oversized(header):
            if header.type == .request {
                refuse(streamID: header.streamID, RPCError(
                    .resourceExhausted,
                    "request frame of \(header.length) bytes exceeds the limit of \(config.maxFrameSize)",
                    details: [StatusDetail(reason: "FRAME_TOO_LARGE", subject: "\(header.length)",
                                           metadata: [MetadataEntry(key: "limit", value: "\(config.maxFrameSize)")])]))
            }
        }
    }

    // MARK: Handshake and connection frames

    private func sendPrefaceAndHello() {
        prefaceSent = true
        let hello = Hello(
            agent: config.agent,
            maxFrameSize: config.maxFrameSize,
            maxMessageSize: config.maxMessageSize,
            maxConcurrentCalls: UInt32(clamping: config.maxConcurrentCallsPerConnection),
            keepaliveIntervalMs: UInt32(clamping: config.keepaliveInterval.nanoseconds / 1_000_000),
            minPingIntervalMs: UInt32(clamping: config.minPingInterval.nanoseconds / 1_000_000),
            idleTimeoutMs: UInt32(clamping: config.idleTimeout.nanoseconds / 1_000_000)
        )
        write { buffer in
            Preface.current.write(to: &buffer)
            let frame = buffer.beginFrame(.hello, streamID: 0)
            hello.serialize(into: &buffer)
            buffer.endFrame(frame)
        }
        if !acceptedWithinLimit {
            goAwayAndClose(code: .resourceExhausted, reason: "connection limit of \(config.maxConnections) reached")
        }
    }

    private func receiveHello(_ payload: ByteBuffer) {
        do {
            peerLimits = PeerLimits(try Hello(buffer: payload))
            handshaken = true
            // The idle clock starts now, not at accept: a slow handshake must
            // not eat the new connection's first idle period.
            lastCallEndedAt = .now()
        } catch {
            protocolViolation("malformed HELLO: \(error)")
        }
    }

    private func receivePing(_ payload: ByteBuffer) {
        switch policer.pingReceived(at: .now()) {
        case .allow, .strike:
            let opaque = payload.getInteger(at: payload.readerIndex, as: UInt64.self) ?? 0
            write { $0.writePing(.pong, opaque: opaque) }
        case .abusive:
            logger.notice("closing connection: too many pings")
            goAwayAndClose(code: .resourceExhausted, reason: "too_many_pings")
        }
    }

    private func receivePong(_ payload: ByteBuffer) {
        let opaque = payload.getInteger(at: payload.readerIndex, as: UInt64.self) ?? 0
        keepalivePingSentAt = nil
        if case let .announced(marker, _) = drain, marker == opaque {
            sendFinalGoAway()
        }
    }

    private func receiveGoAway(_ payload: ByteBuffer) {
        let reason = (try? GoAway(buffer: payload))?.reason ?? ""
        logger.debug("client sent GOAWAY", metadata: ["reason": "\(reason)"])
        peerStartsNoMoreCalls()
    }

    /// The client half-closed (TCP FIN) and still reads: like a client
    /// GOAWAY, running calls finish and are answered, then the connection
    /// closes (docs/PROTOCOL.md §12.5).
    private func peerClosedInput() {
        inputClosed = true
        partialFrameSince = nil
        do {
            try reader.finish()
        } catch {
            logger.debug("peer half-closed mid-frame", metadata: ["error": "\(error)"])
        }
        guard handshaken else {
            drain = .closing
            context?.close(promise: nil)
            return
        }
        if case .announced = drain {
            // No REQUEST can cross the GOAWAY any more: phase 2 now.
            sendFinalGoAway()
        } else {
            peerStartsNoMoreCalls()
        }
        guard drain != .closing, !calls.isEmpty else { return }
        // A FIN looks the same whether the peer half-closed or closed fully.
        // Probe with a PING: a closed socket answers it with a TCP reset, which
        // closes this channel (cancelling the calls) at once; a half-closed
        // client just reads it.
        let opaque = nextPingOpaque
        nextPingOpaque += 1
        write { $0.writePing(.ping, opaque: opaque) }
        if !outbox.inReadLoop { flush() }
    }

    /// The client will start no more calls; finish the ones running.
    private func peerStartsNoMoreCalls() {
        if case .serving = drain { drain = .draining(lastStreamID: reader.decoder.lastRequestStreamID) }
        closeIfDrained()
    }

    // MARK: Calls

    private func startCall(_ frame: Frame) {
        let streamID = frame.streamID
        let payload: HeadedPayload
        do {
            payload = try HeadedPayload(splitting: frame.payload)
        } catch {
            return protocolViolation("REQUEST on stream \(streamID): \(error)")
        }
        if case let .draining(last) = drain, streamID > last {
            return refuse(streamID: streamID, RPCError(.unavailable, "server is draining; call not processed",
                                                       notProcessed: true))
        }
        guard calls.count < config.maxConcurrentCallsPerConnection else {
            return refuse(streamID: streamID, RPCError(
                .resourceExhausted,
                "too many concurrent calls on this connection (limit \(config.maxConcurrentCallsPerConnection))",
                details: [StatusDetail(reason: "CONNECTION_CALL_LIMIT",
                                       metadata: [MetadataEntry(key: "limit", value: "\(config.maxConcurrentCallsPerConnection)")])]))
        }
        let head: RequestHead
        do {
            head = try RequestHead(buffer: payload.head)
        } catch {
            return refuse(streamID: streamID, RPCError(.internal, "malformed request head: \(error)"))
        }
        guard let handler = router.handler(id: head.methodID, path: head.method) else {
            let name = head.methodID != 0 ? "method id \(head.methodID)" : head.method
            return refuse(streamID: streamID, RPCError(
                .unimplemented, "unknown method \(name)",
                details: [StatusDetail(reason: "UNKNOWN_METHOD", subject: name)]))
        }
        guard payload.message.readableBytes <= config.maxMessageSize else {
            return refuse(streamID: streamID, RPCError(
                .resourceExhausted,
                "request message of \(payload.message.readableBytes) bytes exceeds the limit of \(config.maxMessageSize)",
                details: [StatusDetail(reason: "MESSAGE_TOO_LARGE", subject: "\(payload.message.readableBytes)",
                                       metadata: [MetadataEntry(key: "limit", value: "\(config.maxMessageSize)")])]))
        }
        let prepared: PreparedCall
        do {
            prepared = try handler.prepare(payload.message)
        } catch {
            return refuse(streamID: streamID, RPCError(.invalidArgument, "malformed request message: \(error)"))
        }
        guard shared.acquireCall(limit: config.maxConcurrentCalls) else {
            return refuse(streamID: streamID, RPCError(
                .resourceExhausted, "server is at its limit of \(config.maxConcurrentCalls) concurrent calls",
                details: [StatusDetail(reason: "SERVER_CALL_LIMIT")]))
        }
        run(handler.descriptor, prepared, head: head, streamID: streamID)
    }

    private func run(_ method: MethodDescriptor, _ prepared: PreparedCall, head: RequestHead, streamID: UInt32) {
        guard let context, let taskExecutor else { return }
        let eventLoop = context.eventLoop
        var timeout = head.timeoutMicros > 0 ? TimeAmount.microseconds(Int64(clamping: head.timeoutMicros)) : nil
        // Unary calls are bounded even without a deadline; streams (feeds,
        // watches) may legitimately run until cancelled or drained.
        if method.kind == .unary, config.maxCallDuration > .zero {
            timeout = min(timeout ?? config.maxCallDuration, config.maxCallDuration)
        }
        let deadline = timeout.map { NIODeadline.now() + $0 }
        let startedAt: NIODeadline? = config.observer == nil ? nil : .now()
        let callContext = ServerContext(method: method.path, metadata: head.metadata, deadline: deadline,
                                        streamID: streamID, peer: peer, peerCertificate: peerCertificate,
                                        authentication: authentication, deadlineExplanation: nil)
        // The synchronous attempt: no task, no entry in `calls` (nothing can
        // cancel or time out a call that is answered before this returns).
        if let immediate = prepared.immediate {
            let answer: Result<(any ProtoMessage)?, any Error>?
            do {
                answer = try immediate(callContext).map { .success($0) }
            } catch {
                answer = .failure(error)
            }
            if let answer {
                return finish(ServerCall(method: method, startedAt: startedAt), streamID: streamID, answer)
            }
        }
        let body = prepared.body
        let bound = NIOLoopBound(self, eventLoop: eventLoop)
        // Only a call that may be timed out while it waits needs somewhere
        // to say why (one allocation, off the synchronous path).
        let explanation = deadline == nil ? nil : DeadlineExplanation()
        let taskContext = ServerContext(method: method.path, metadata: head.metadata, deadline: deadline,
                                        streamID: streamID, peer: peer, peerCertificate: peerCertificate,
                                        authentication: authentication, deadlineExplanation: explanation)
        calls[streamID] = ServerCall(method: method, startedAt: startedAt, deadlineExplanation: explanation)
        let sink = ServerStreamSink(streamID: streamID, handler: bound)
        // Runs synchronously up to the first suspension; resumes on this loop.
        let task = Task.immediate(executorPreference: taskExecutor) {
            let result: Result<(any ProtoMessage)?, any Error>
            do {
                result = .success(try await body(taskContext, sink))
            } catch {
                result = .failure(error)
            }
            if eventLoop.inEventLoop {
                bound.value.callFinished(streamID: streamID, result)
            } else {
                eventLoop.execute { bound.value.callFinished(streamID: streamID, result) }
            }
        }
        // A handler that did not suspend (Echo, Check) has already answered:
        // its call is gone, and no timer was ever needed, since nothing else
        // runs on this loop while it does. Only a call still running gets its
        // deadline timer (with the deadline taken before it started, so a
        // passed one fires on the next tick). This saves a promise, a
        // scheduled task and its O(n) cancel per synchronous call.
        guard calls[streamID] != nil else { return }
        calls[streamID]!.task = task
        if let deadline {
            calls[streamID]!.deadlineTimer = eventLoop.scheduleTask(deadline: deadline) {
                bound.value.deadlineExpired(streamID: streamID)
            }
        }
    }

    func callFinished(streamID: UInt32, _ result: Result<(any ProtoMessage)?, any Error>) {
        guard let call = calls.removeValue(forKey: streamID) else { return }
        finish(call, streamID: streamID, result)
    }

    /// Answers a call that has ended (unless a deadline or CANCEL already did)
    /// and frees its slot.
    private func finish(_ call: ServerCall, streamID: UInt32, _ result: Result<(any ProtoMessage)?, any Error>) {
        shared.releaseCall()
        call.deadlineTimer?.cancel()
        lastCallEndedAt = .now()
        var code = call.endedEarlyWith ?? .ok
        if !call.finished, call.deadlinePassed {
            // Past its deadline a call ends DEADLINE_EXCEEDED, with the
            // handler's own details when it gave that status itself.
            code = .deadlineExceeded
            if case let .failure(error as RPCError) = result, error.code == .deadlineExceeded {
                respond(streamID: streamID, error)
            } else {
                respond(streamID: streamID, Self.deadlineExceeded)
            }
        } else if !call.finished {
            switch result {
            case let .success(message):
                code = respondOK(streamID: streamID, message: message)
            case let .failure(error as RPCError):
                code = error.code
                respond(streamID: streamID, error)
            case .failure(is CancellationError):
                code = .cancelled
                respond(streamID: streamID, RPCError(.cancelled, "handler was cancelled"))
            case let .failure(error):
                logger.error("handler failed", metadata: ["method": "\(call.method)", "error": "\(error)"])
                code = .unknown
                respond(streamID: streamID, RPCError(.unknown, "handler failed"))
            }
        }
        if let observer = config.observer, let startedAt = call.startedAt {
            let elapsed = NIODeadline.now() - startedAt
            observer.callFinished(method: call.method, code: code, duration: .nanoseconds(elapsed.nanoseconds))
        }
        closeIfDrained()
    }

    private static let deadlineExceeded = RPCError(.deadlineExceeded, "deadline exceeded on the server")

    /// The call's deadline passed: cancel the handler. A handler that said
    /// what it is waiting for (``ServerContext/explainDeadline(_:)``: a
    /// revision wait's REVISION_NOT_REACHED) is answered with that at once,
    /// whichever timer fired first. Otherwise the handler gets the first
    /// word: its own DEADLINE_EXCEEDED within `deadlineAnswerGrace`, or the
    /// generic answer then.
    func deadlineExpired(streamID: UInt32) {
        guard var call = calls[streamID], !call.finished, !call.deadlinePassed, let context else { return }
        call.deadlinePassed = true
        if let explained = call.deadlineExplanation?.current {
            call.finished = true
            call.endedEarlyWith = .deadlineExceeded
            calls[streamID] = call
            call.task?.cancel()
            respond(streamID: streamID, explained)
            return
        }
        calls[streamID] = call
        call.task?.cancel()
        let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
        context.eventLoop.scheduleTask(in: config.deadlineAnswerGrace) {
            bound.value.answerDeadlineIfStillRunning(streamID: streamID)
        }
    }

    private func answerDeadlineIfStillRunning(streamID: UInt32) {
        guard var call = calls[streamID], !call.finished else { return }
        call.finished = true
        call.endedEarlyWith = .deadlineExceeded
        calls[streamID] = call
        respond(streamID: streamID, Self.deadlineExceeded)
    }

    private func cancelCall(streamID: UInt32) {
        guard var call = calls[streamID] else { return }
        // No RESPONSE is owed after CANCEL; the slot stays taken until the
        // handler's task actually ends.
        if !call.finished { call.endedEarlyWith = .cancelled }
        call.finished = true
        call.deadlineTimer?.cancel()
        call.task?.cancel()
        calls[streamID] = call
    }

    /// Writes one MESSAGE frame of a server stream and says how its producer
    /// goes on: at once, after yielding the event loop, or once the channel
    /// is writable again (the returned future).
    func sendStreamMessage(streamID: UInt32, _ message: any ProtoMessage) throws -> StreamSendPace {
        guard let context, let call = calls[streamID], !call.finished else {
            throw RPCError(.cancelled, "call is no longer active")
        }
        if let violation = appendMessageFrame(.message, streamID: streamID, message) { throw violation }
        let flushNow = pacer.messageAppended(pendingBytes: outbox.pendingBytes)
        // Flushing inside the read loop too: a stream started by this read
        // must not buffer everything until `channelReadComplete`.
        if flushNow { flush() }
        switch pacer.pace(flushed: flushNow, channelWritable: context.channel.isWritable) {
        case .proceed:
            return .proceed
        case .yield:
            return .yield
        case .waitUntilWritable:
            if writabilityPromise == nil { writabilityPromise = context.eventLoop.makePromise() }
            return .wait(writabilityPromise!.futureResult)
        }
    }

    // MARK: Writing responses

    /// Writes an OK RESPONSE; returns the status actually sent (the response
    /// may be too large for the client).
    @discardableResult
    private func respondOK(streamID: UInt32, message: (any ProtoMessage)?) -> StatusCode {
        if let violation = appendMessageFrame(.response, streamID: streamID, message) {
            respond(streamID: streamID, violation)
            return violation.code
        }
        return .ok
    }

    /// Appends a MESSAGE frame, or an OK RESPONSE frame (whose empty head
    /// encodes to zero bytes), carrying `message`. If it would break a limit
    /// the client announced, the frame is removed and the error to send
    /// instead is returned.
    private func appendMessageFrame(_ type: FrameType, streamID: UInt32, _ message: (any ProtoMessage)?) -> RPCError? {
        var violation: RPCError?
        write { buffer in
            let frame = buffer.beginFrame(type, streamID: streamID)
            if type == .response { buffer.writeInteger(UInt32(0)) }
            let size = message?.serialize(into: &buffer) ?? 0
            let frameSize = buffer.payloadLength(since: frame)
            if size > peerLimits.maxMessageSize {
                violation = responseTooLarge("message of \(size) bytes exceeds the client's max_message_size of \(peerLimits.maxMessageSize)",
                                             limit: peerLimits.maxMessageSize)
            } else if frameSize > peerLimits.maxFrameSize {
                violation = responseTooLarge("frame of \(frameSize) bytes exceeds the client's max_frame_size of \(peerLimits.maxFrameSize)",
                                             limit: peerLimits.maxFrameSize)
            }
            if violation == nil { buffer.endFrame(frame) } else { buffer.abandonFrame(frame) }
        }
        if violation == nil { policer.responseSent() }
        return violation
    }

    private func responseTooLarge(_ what: String, limit: UInt32) -> RPCError {
        RPCError(.resourceExhausted, "response \(what)",
                 details: [StatusDetail(reason: "RESPONSE_TOO_LARGE",
                                        metadata: [MetadataEntry(key: "limit", value: "\(limit)")])])
    }

    /// Answers a REQUEST that no handler will run, and tells the observer.
    private func refuse(streamID: UInt32, _ error: RPCError) {
        config.observer?.callRefused(code: error.code)
        respond(streamID: streamID, error)
    }

    /// Writes an error RESPONSE. A head too large for the client's
    /// `max_frame_size` (a handler's long message or many details) is sent
    /// again with a short explanation, and as a last resort with the code
    /// alone, so the client always learns how its call ended.
    private func respond(streamID: UInt32, _ error: RPCError) {
        var head = ResponseHead(code: error.code.rawValue, message: error.message, details: error.details)
        for attempt in 0..<3 {
            var oversize = 0
            write { buffer in
                let frame = buffer.beginFrame(.response, streamID: streamID)
                let mark = buffer.beginHead()
                head.serialize(into: &buffer)
                buffer.endHead(mark)
                let length = buffer.payloadLength(since: frame)
                if attempt < 2, length > peerLimits.maxFrameSize {
                    buffer.abandonFrame(frame)
                    oversize = length
                } else {
                    buffer.endFrame(frame)
                }
            }
            guard oversize > 0 else { break }
            head = attempt == 0
                ? ResponseHead(code: head.code, message: "status of \(oversize) bytes dropped: exceeds the client's max_frame_size of \(peerLimits.maxFrameSize)")
                : ResponseHead(code: head.code)
        }
        policer.responseSent()
    }

    // MARK: Drain, close, housekeeping

    private func beginDrain() {
        guard case .serving = drain, let context else { return }
        guard prefaceSent else {
            // No preface yet, so no GOAWAY can be framed: nothing runs here.
            drain = .closing
            context.close(promise: nil)
            return
        }
        let opaque = nextPingOpaque | (1 << 63)
        nextPingOpaque += 1
        drain = .announced(pingOpaque: opaque, since: .now())
        write { buffer in
            writeGoAway(&buffer, lastStreamID: FrameHeader.maxStreamID, code: .ok, reason: "server shutting down")
            buffer.writePing(.ping, opaque: opaque)
        }
        if !outbox.inReadLoop { flush() }
        _ = context
    }

    private func sendFinalGoAway() {
        let last = reader.decoder.lastRequestStreamID
        drain = .draining(lastStreamID: last)
        write { writeGoAway(&$0, lastStreamID: last, code: .ok, reason: "server shutting down") }
        closeIfDrained()
    }

    private func closeIfDrained() {
        guard case .draining = drain, calls.isEmpty, let context else { return }
        drain = .closing
        flush()
        context.close(promise: nil)
    }

    /// ``ConnectionAuthentication`` found this connection over its limit:
    /// GOAWAY (UNAUTHENTICATED) with the highest REQUEST id received, so the
    /// calls up to it (the failing one included) are still answered and
    /// nothing later runs; the connection closes once they are.
    ///
    /// `duringCall`: called from inside the failing call's handler, which
    /// may be on the synchronous path (not in `calls`): its `finish` closes
    /// the connection after writing its RESPONSE, so closing here would drop it.
    private func tooManyAuthenticationFailures(_ burst: Int, duringCall: Bool) {
        guard case .serving = drain, context != nil else { return }  // already going away
        logger.notice("closing connection: too many failed authentications", metadata: ["burst": "\(burst)"])
        let last = reader.decoder.lastRequestStreamID
        drain = .draining(lastStreamID: last)
        write {
            writeGoAway(&$0, lastStreamID: last, code: .unauthenticated,
                        reason: "too many failed authentications on this connection (more than \(burst)); check the API key")
        }
        if !outbox.inReadLoop { flush() }
        if !duringCall { closeIfDrained() }
    }

    private func protocolViolation(_ reason: String) {
        logger.notice("protocol violation", metadata: ["reason": "\(reason)"])
        goAwayAndClose(code: .internal, reason: reason)
    }

    private func goAwayAndClose(code: StatusCode, reason: String) {
        guard drain != .closing, context != nil else { return }
        drain = .closing
        let last = reader.decoder.lastRequestStreamID
        write { writeGoAway(&$0, lastStreamID: last, code: code, reason: reason) }
        flushAndClose()
    }

    private func writeGoAway(_ buffer: inout ByteBuffer, lastStreamID: UInt32, code: StatusCode, reason: String) {
        let frame = buffer.beginFrame(.goAway, streamID: 0)
        GoAway(lastStreamID: lastStreamID, code: code.rawValue, reason: reason).serialize(into: &buffer)
        buffer.endFrame(frame)
    }

    private func runHousekeeping() {
        let now = NIODeadline.now()
        switch drain {
        case .closing:
            return
        case let .announced(_, since) where now - since >= config.housekeepingInterval:
            // The client did not answer the drain PING in time; go to phase 2.
            sendFinalGoAway()
        default:
            break
        }
        guard handshaken else {
            // A peer that never completes the handshake holds no slot for long.
            if now - connectedAt >= config.handshakeTimeout {
                logger.debug("closing connection: no handshake")
                drain = .closing
                context?.close(promise: nil)
            }
            return
        }
        if let since = partialFrameSince, !readHeld, now - since >= config.frameTimeout {
            logger.notice("closing connection: frame not completed in time")
            return goAwayAndClose(code: .deadlineExceeded,
                                  reason: "frame not completed within \(config.frameTimeout.nanoseconds / 1_000_000) ms")
        }
        // Idleness counts calls only: keepalive PONGs must not keep an
        // unused connection open.
        if calls.isEmpty, now - lastCallEndedAt >= config.idleTimeout {
            logger.debug("closing idle connection")
            return goAwayAndClose(code: .ok, reason: "idle timeout")
        }
        if inputClosed {
            // A PONG cannot arrive; a dead peer shows up as a failed write.
            return
        }
        if let sent = keepalivePingSentAt {
            if now - sent >= config.keepaliveTimeout {
                logger.info("closing connection: keepalive timeout")
                drain = .closing
                context?.close(promise: nil)
            }
        } else if now - lastReadAt >= config.keepaliveInterval {
            keepalivePingSentAt = now
            let opaque = nextPingOpaque
            nextPingOpaque += 1
            write { $0.writePing(.ping, opaque: opaque) }
        }
    }
}

/// Fired into every connection's pipeline to start a graceful drain.
struct ServerDrainEvent: Sendable {}
