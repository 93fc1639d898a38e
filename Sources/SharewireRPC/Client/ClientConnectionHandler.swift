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

/// The client side of one connection: handshake, stream ids, matching
/// answers to calls, deadlines, cancel, keepalive and GOAWAY.
final class ClientConnectionHandler: ChannelDuplexHandler, FrameWriting {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    enum State: Equatable {
        case handshaking
        case ready
        /// GOAWAY received: calls above `lastStreamID` were refused.
        case goingAway(lastStreamID: UInt32)
        case closed
    }

    private let config: ClientConfiguration
    private let logger: Logger
    private let handshake: EventLoopPromise<Void>
    /// Tells the pool this connection takes no new calls.
    private let onUnusable: @Sendable () -> Void

    private(set) var context: ChannelHandlerContext?
    private(set) var state = State.handshaking
    private var reader: FrameReader
    var outbox = FrameOutbox()
    private var peerLimits = PeerLimits()
    private var calls: [UInt32: PendingCall] = [:]
    private var nextStreamID: UInt32 = 1
    private var keepaliveTask: RepeatedTask?
    private var lastReadAt = NIODeadline.now()
    private var pingSentAt: NIODeadline?

    init(config: ClientConfiguration, logger: Logger, handshake: EventLoopPromise<Void>,
         onUnusable: @escaping @Sendable () -> Void) {
        self.config = config
        self.logger = logger
        self.handshake = handshake
        self.onUnusable = onUnusable
        self.reader = FrameReader(decoder: FrameDecoder(role: .client, maxFrameSize: config.maxMessageSize + 64 * 1024))
    }

    // MARK: Lifecycle

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        if context.channel.isActive { sendPrefaceAndHello() }
    }

    func channelActive(context: ChannelHandlerContext) {
        sendPrefaceAndHello()
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        keepaliveTask?.cancel()
        let wasReady = state == .ready
        state = .closed
        handshake.fail(RPCError(.unavailable, "connection closed during handshake", notProcessed: true))
        let pending = calls
        calls.removeAll()
        for (_, call) in pending {
            call.timer?.cancel()
            call.onEnd(.failure(RPCError(.unavailable, "connection closed")))
        }
        if wasReady { onUnusable() }
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        logger.debug("connection error", metadata: ["error": "\(error)"])
        // The TLS handlers pass on failures as RPCErrors that say what failed.
        if state == .handshaking, let error = error as? RPCError { handshake.fail(error) }
        context.close(promise: nil)
    }

    private func sendPrefaceAndHello() {
        let hello = Hello(agent: config.agent, maxFrameSize: config.maxMessageSize + 64 * 1024,
                          maxMessageSize: config.maxMessageSize,
                          keepaliveIntervalMs: UInt32(clamping: (config.keepaliveInterval?.nanoseconds ?? 0) / 1_000_000))
        write { buffer in
            Preface.current.write(to: &buffer)
            let frame = buffer.beginFrame(.hello, streamID: 0)
            hello.serialize(into: &buffer)
            buffer.endFrame(frame)
        }
        flush()
    }

    // MARK: Reading

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let bytes = unwrapInboundIn(data)
        lastReadAt = .now()
        reader.append(bytes)
        outbox.inReadLoop = true
        while state != .closed {
            let event: FrameEvent?
            do {
                event = try reader.next()
            } catch {
                protocolViolation(error.description)
                break
            }
            guard let event else { break }
            handle(event)
        }
        reader.compact()
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        outbox.inReadLoop = false
        flush()
        context.fireChannelReadComplete()
    }

    private func handle(_ event: FrameEvent) {
        switch event {
        case .preface:
            break
        case let .frame(frame):
            switch frame.type {
            case .hello: receiveHello(frame.payload)
            case .message: calls[frame.streamID]?.onMessage?(frame.payload)
            case .response: receiveResponse(streamID: frame.streamID, payload: frame.payload)
            case .ping:
                let opaque = frame.payload.getInteger(at: frame.payload.readerIndex, as: UInt64.self) ?? 0
                write { $0.writePing(.pong, opaque: opaque) }
            case .pong: pingSentAt = nil
            case .goAway: receiveGoAway(frame.payload)
            case .request, .cancel: break  // rejected by the decoder for this role
            }
        case let .oversized(header):
            guard calls[header.streamID] != nil else { return }
            if header.type == .message { write { $0.writeCancel(streamID: header.streamID) } }
            finish(streamID: header.streamID, .failure(RPCError(
                .resourceExhausted,
                "response frame of \(header.length) bytes exceeds this client's limit of \(reader.decoder.maxFrameSize)")))
        }
    }

    private func receiveHello(_ payload: ByteBuffer) {
        do {
            peerLimits = PeerLimits(try Hello(buffer: payload))
        } catch {
            return protocolViolation("malformed HELLO: \(error)")
        }
        guard state == .handshaking else { return }
        state = .ready
        startKeepalive()
        handshake.succeed(())
    }

    private func receiveResponse(streamID: UInt32, payload: ByteBuffer) {
        guard calls[streamID] != nil else { return }  // cancelled or timed out locally
        let parts: HeadedPayload
        do {
            parts = try HeadedPayload(splitting: payload)
        } catch {
            return protocolViolation("RESPONSE on stream \(streamID): \(error)")
        }
        if parts.head.readableBytes == 0 {
            return finish(streamID: streamID, .success(parts.message))
        }
        do {
            let head = try ResponseHead(buffer: parts.head)
            if head.code == 0 {
                finish(streamID: streamID, .success(parts.message))
            } else {
                // By protocol rule, a server answers UNAVAILABLE only for a
                // call it did not process (docs/PROTOCOL.md §9).
                let code = StatusCode(wireValue: head.code)
                finish(streamID: streamID, .failure(RPCError(code, head.message, details: head.details,
                                                             notProcessed: code == .unavailable)))
            }
        } catch {
            finish(streamID: streamID, .failure(RPCError(.internal, "malformed response head: \(error)")))
        }
    }

    private func receiveGoAway(_ payload: ByteBuffer) {
        let goAway: GoAway
        do {
            goAway = try GoAway(buffer: payload)
        } catch {
            return protocolViolation("malformed GOAWAY: \(error)")
        }
        // FAILED_PRECONDITION in place of the server's HELLO: this port
        // requires TLS (docs/PROTOCOL.md §19.2); retrying cannot help. The
        // caller gets that as its error, so it is not logged as well.
        let tlsRequired = state == .handshaking && StatusCode(wireValue: goAway.code) == .failedPrecondition
        if goAway.code != 0, !tlsRequired {
            logger.info("server sent GOAWAY", metadata: ["code": "\(StatusCode(wireValue: goAway.code))",
                                                         "reason": "\(goAway.reason)"])
        }
        let wasUsable = state == .ready || state == .handshaking
        state = .goingAway(lastStreamID: goAway.lastStreamID)
        if wasUsable { onUnusable() }
        handshake.fail(tlsRequired
            ? RPCError.tls(TransportSecurity.Reason.tlsRequired, "server refused connection: \(goAway.reason)")
            : RPCError(.unavailable, "server refused connection: \(goAway.reason)", notProcessed: true))
        let refused = calls.keys.filter { $0 > goAway.lastStreamID }
        for streamID in refused {
            finish(streamID: streamID, .failure(RPCError(
                .unavailable, "server going away (\(goAway.reason)); call not processed", notProcessed: true)))
        }
        closeIfDone()
    }

    // MARK: Calls

    /// Starts a call. Must run on the event loop.
    func start(_ call: CallStart, handle: CallHandle) {
        guard !handle.cancelled.load(ordering: .sequentiallyConsistent) else {
            return call.onEnd(.failure(RPCError(.cancelled, "call cancelled before it started", notProcessed: true)))
        }
        guard state == .ready else {
            return call.onEnd(.failure(RPCError(.unavailable, "connection not accepting calls", notProcessed: true)))
        }
        guard calls.count < Int(peerLimits.maxConcurrentCalls) else {
            return call.onEnd(.failure(RPCError(
                .resourceExhausted, "server's limit of \(peerLimits.maxConcurrentCalls) concurrent calls reached on this connection",
                notProcessed: true)))
        }
        guard nextStreamID <= FrameHeader.maxStreamID else {
            state = .goingAway(lastStreamID: FrameHeader.maxStreamID)
            onUnusable()
            return call.onEnd(.failure(RPCError(.unavailable, "stream ids exhausted on this connection", notProcessed: true)))
        }
        let streamID = nextStreamID
        nextStreamID += 1
        let timeoutMicros = call.timeout.map { UInt64(max(1, $0.microsecondsRoundedUp)) } ?? 0
        let head = RequestHead(method: call.method.id == 0 ? call.method.path : "", methodID: call.method.id,
                               timeoutMicros: timeoutMicros, metadata: call.metadata)
        var messageSize = 0
        write { buffer in
            let frame = buffer.beginFrame(.request, streamID: streamID)
            let mark = buffer.beginHead()
            head.serialize(into: &buffer)
            buffer.endHead(mark)
            messageSize = call.writeMessage(&buffer)
            if messageSize > peerLimits.maxMessageSize {
                buffer.abandonFrame(frame)
            } else {
                buffer.endFrame(frame)
            }
        }
        guard messageSize <= peerLimits.maxMessageSize else {
            return call.onEnd(.failure(RPCError(
                .resourceExhausted,
                "request message of \(messageSize) bytes exceeds the server's limit of \(peerLimits.maxMessageSize)",
                notProcessed: true)))
        }
        handle.streamID.store(streamID, ordering: .sequentiallyConsistent)
        var pending = PendingCall(handle: handle, onMessage: call.onMessage, onEnd: call.onEnd)
        if let timeout = call.timeout, let context {
            let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
            pending.timer = context.eventLoop.scheduleTask(in: .nanoseconds(Int64(timeout.nanosecondsClamped))) {
                bound.value.deadlineExpired(streamID: streamID)
            }
        }
        calls[streamID] = pending
    }

    /// Cancels the call behind `handle` if it is running. Must run on the event loop.
    func cancel(_ handle: CallHandle) {
        let streamID = handle.streamID.load(ordering: .sequentiallyConsistent)
        guard streamID != 0, calls[streamID] != nil else { return }
        write { $0.writeCancel(streamID: streamID) }
        finish(streamID: streamID, .failure(RPCError(.cancelled, "call cancelled by the client")))
    }

    private func deadlineExpired(streamID: UInt32) {
        guard calls[streamID] != nil else { return }
        write { $0.writeCancel(streamID: streamID) }
        finish(streamID: streamID, .failure(RPCError(.deadlineExceeded, "deadline exceeded")))
    }

    private func finish(streamID: UInt32, _ result: Result<ByteBuffer, RPCError>) {
        guard let call = calls.removeValue(forKey: streamID) else { return }
        call.timer?.cancel()
        call.onEnd(result)
        closeIfDone()
    }

    /// Closes the connection: used by the pool on shutdown.
    func close() {
        guard state != .closed else { return }
        if calls.isEmpty {
            context?.close(promise: nil)
        } else {
            let wasUsable = state == .ready
            state = .goingAway(lastStreamID: nextStreamID &- 1)
            if wasUsable { onUnusable() }
        }
    }

    private func closeIfDone() {
        guard case .goingAway = state, calls.isEmpty else { return }
        flush()
        context?.close(promise: nil)
    }

    private func protocolViolation(_ reason: String) {
        logger.warning("protocol violation by server", metadata: ["reason": "\(reason)"])
        guard context != nil, state != .closed else { return }
        write { buffer in
            let frame = buffer.beginFrame(.goAway, streamID: 0)
            GoAway(lastStreamID: 0, code: StatusCode.internal.rawValue, reason: reason).serialize(into: &buffer)
            buffer.endFrame(frame)
        }
        state = .closed
        onUnusable()
        flushAndClose()
    }

    // MARK: Writing and keepalive

    private func startKeepalive() {
        guard let interval = config.keepaliveInterval, let context else { return }
        let effective = max(interval, peerLimits.minPingInterval)
        let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
        keepaliveTask = context.eventLoop.scheduleRepeatedTask(initialDelay: effective, delay: effective) { _ in
            bound.value.keepaliveTick(interval: effective)
        }
    }

    private func keepaliveTick(interval: TimeAmount) {
        let now = NIODeadline.now()
        if let sent = pingSentAt {
            if now - sent >= config.keepaliveTimeout {
                logger.info("closing connection: keepalive timeout")
                context?.close(promise: nil)
            }
        } else if now - lastReadAt >= interval {
            pingSentAt = now
            write { $0.writePing(.ping, opaque: UInt64(now.uptimeNanoseconds)) }
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
