import NIOCore
import SharewireMessages
import SharewireWire

/// The client side of one connection, as docs/PROTOCOL.md §14.2 and §14.3
/// draw it: HANDSHAKING → READY → GOING_AWAY → CLOSED, and each call from
/// REQUEST to its end.
///
/// A value with no I/O and no clock of its own: the handler feeds it
/// decoded frames, call starts and cancels, timer ticks with the time, and
/// carries out what it returns. It owns the frame reader, the server's
/// limits, stream ids, the calls awaiting answers and keepalive.
struct ClientConnectionStateMachine {
    enum State: Equatable, Sendable {
        case handshaking
        case ready
        /// GOAWAY received (or shutting down): calls above `lastStreamID`
        /// were refused and no call starts.
        case goingAway(lastStreamID: UInt32)
        case closed
    }

    struct Configuration: Sendable {
        var hello: Hello
        /// Client PINGs a silent connection this often; nil: no keepalive.
        var keepaliveInterval: TimeAmount?
        var keepaliveTimeout: TimeAmount

        init(_ config: ClientConfiguration) {
            hello = Hello(
                agent: config.agent, maxFrameSize: config.maxMessageSize + 64 * 1024,
                maxMessageSize: config.maxMessageSize,
                keepaliveIntervalMs: UInt32(clamping: (config.keepaliveInterval?.nanoseconds ?? 0) / 1_000_000))
            keepaliveInterval = config.keepaliveInterval
            keepaliveTimeout = config.keepaliveTimeout
        }
    }

    /// A call that ended, and how, for the handler to tell its caller.
    typealias Ended = (call: PendingCall, result: Result<ByteBuffer, RPCError>)

    /// What the handler does after a connection-level event.
    struct Step {
        var connection: ConnectionAction = .none
        /// The pool must stop giving this connection new calls.
        var unusable = false
        /// How the handshake ended, when this event decided it.
        var handshake: Result<Void, RPCError>?
        /// Calls that ended.
        var ended: [Ended] = []
        /// Start the keepalive timer with this period.
        var startKeepalive: TimeAmount?
        /// Worth a log line.
        var note: ConnectionNote?
    }

    /// What a frame or event for one call comes to.
    enum CallStep {
        /// The call is not tracked (it ended already): ignore.
        case untracked
        /// The call ended; tell its caller, then do `then`.
        case ended(Ended, then: ConnectionAction)
        /// A protocol violation by the server.
        case violation(Step)
    }

    /// Whether a new call may go on the wire, and on which stream.
    enum Admission {
        case start(streamID: UInt32)
        /// Not processed; `unusable`: the pool must stop using the connection.
        case refuse(RPCError, unusable: Bool)
    }

    let configuration: Configuration
    private(set) var state = State.handshaking
    private var reader: FrameReader
    /// The limits the server announced in its HELLO (defaults until then).
    private(set) var peerLimits = PeerLimits()
    private(set) var calls: [UInt32: PendingCall] = [:]
    private var nextStreamID: UInt32 = 1
    private var keepalive: Keepalive?

    init(configuration: Configuration) {
        self.configuration = configuration
        reader = FrameReader(decoder: FrameDecoder(role: .client, maxFrameSize: configuration.hello.maxFrameSize))
    }

    var isReading: Bool { state != .closed }
    var maxFrameSize: UInt32 { reader.decoder.maxFrameSize }

    // MARK: Connection

    /// TCP is up: our preface and HELLO.
    func connected() -> ConnectionAction {
        .send([.preface, .hello(configuration.hello)])
    }

    mutating func bytesReceived(_ bytes: ByteBuffer, at now: NIODeadline) {
        keepalive?.bytesRead(at: now)
        reader.append(bytes)
    }

    mutating func nextEvent() throws(FrameDecodingError) -> FrameEvent? {
        try reader.next()
    }

    mutating func readProcessed() {
        reader.compact()
    }

    mutating func decodingFailed(_ error: FrameDecodingError) -> Step {
        protocolViolation(error.description)
    }

    mutating func helloReceived(_ payload: ByteBuffer, at now: NIODeadline) -> Step {
        do {
            peerLimits = PeerLimits(try Hello(buffer: payload))
        } catch {
            return protocolViolation("malformed HELLO: \(error)")
        }
        guard state == .handshaking else { return Step() }
        state = .ready
        var step = Step(handshake: .success(()))
        if let interval = configuration.keepaliveInterval {
            // Never more often than the server allows.
            let effective = max(interval, peerLimits.minPingInterval)
            keepalive = Keepalive(interval: effective, timeout: configuration.keepaliveTimeout, now: now)
            step.startKeepalive = effective
        }
        return step
    }

    func pingReceived(opaque: UInt64) -> ConnectionAction {
        .send([.pong(opaque: opaque)])
    }

    mutating func pongReceived() {
        keepalive?.pongReceived()
    }

    /// A server GOAWAY (docs/PROTOCOL.md §12.4).
    mutating func goAwayReceived(_ payload: ByteBuffer) -> Step {
        let goAway: GoAway
        do {
            goAway = try GoAway(buffer: payload)
        } catch {
            return protocolViolation("malformed GOAWAY: \(error)")
        }
        let code = StatusCode(wireValue: goAway.code)
        // FAILED_PRECONDITION in place of the server's HELLO: this port
        // requires TLS (docs/PROTOCOL.md §19.2); retrying cannot help. The
        // caller gets that as its error, so it is not logged as well.
        let tlsRequired = state == .handshaking && code == .failedPrecondition
        var step = Step()
        if goAway.code != 0, !tlsRequired {
            step.note = .info("server sent GOAWAY (\(code)): \(goAway.reason)")
        }
        step.unusable = state == .ready || state == .handshaking
        state = .goingAway(lastStreamID: goAway.lastStreamID)
        step.handshake = .failure(
            tlsRequired
                ? RPCError.tls(TransportSecurity.Reason.tlsRequired, "server refused connection: \(goAway.reason)")
                : RPCError(.unavailable, "server refused connection: \(goAway.reason)", notProcessed: true))
        for streamID in calls.keys where streamID > goAway.lastStreamID {
            let call = calls.removeValue(forKey: streamID)!
            step.ended.append(
                (
                    call,
                    .failure(
                        RPCError(
                            .unavailable, "server going away (\(goAway.reason)); call not processed", notProcessed: true
                        ))
                ))
        }
        step.connection = closeIfDone()
        return step
    }

    /// Our keepalive timer fired.
    mutating func keepaliveTick(at now: NIODeadline) -> ConnectionAction {
        guard let step = keepalive?.tick(at: now) else { return .none }
        switch step {
        case .none: return .none
        case .sendPing: return .send([.ping(opaque: now.uptimeNanoseconds)])
        case .timedOut: return .close(because: .info("closing connection: keepalive timeout"))
        }
    }

    /// The pool shuts down: no new calls, and close once the running ones end.
    mutating func shutDown() -> Step {
        guard state != .closed else { return Step() }
        guard !calls.isEmpty else { return Step(connection: .close(because: nil)) }
        let wasUsable = state == .ready
        state = .goingAway(lastStreamID: nextStreamID &- 1)
        return Step(unusable: wasUsable)
    }

    /// The channel closed: every call still waiting fails (outcome unknown).
    mutating func channelClosed() -> Step {
        let wasReady = state == .ready
        state = .closed
        var step = Step(
            unusable: wasReady,
            handshake: .failure(RPCError(.unavailable, "connection closed during handshake", notProcessed: true)))
        step.ended = calls.values.map { (call: $0, result: .failure(RPCError(.unavailable, "connection closed"))) }
        calls.removeAll()
        return step
    }

    // MARK: Calls

    /// A call asks to start.
    mutating func admit() -> Admission {
        guard state == .ready else {
            return .refuse(
                RPCError(.unavailable, "connection not accepting calls", notProcessed: true), unusable: false)
        }
        guard calls.count < Int(peerLimits.maxConcurrentCalls) else {
            return .refuse(
                RPCError(
                    .resourceExhausted,
                    "server's limit of \(peerLimits.maxConcurrentCalls) concurrent calls reached on this connection",
                    notProcessed: true), unusable: false)
        }
        guard nextStreamID <= FrameHeader.maxStreamID else {
            state = .goingAway(lastStreamID: FrameHeader.maxStreamID)
            return .refuse(
                RPCError(.unavailable, "stream ids exhausted on this connection", notProcessed: true),
                unusable: true)
        }
        defer { nextStreamID += 1 }
        return .start(streamID: nextStreamID)
    }

    /// The call's REQUEST is written: it now waits for its answer.
    mutating func callStarted(streamID: UInt32, _ call: PendingCall) {
        calls[streamID] = call
    }

    /// The deadline timer of a call that is waiting.
    mutating func callTimer(streamID: UInt32, _ timer: Scheduled<Void>) {
        calls[streamID]?.timer = timer
    }

    /// Where a MESSAGE frame of `streamID` goes; nil for a call no longer tracked.
    func messageHandler(streamID: UInt32) -> ((ByteBuffer) -> Void)? {
        calls[streamID]?.onMessage
    }

    /// A RESPONSE for `streamID`.
    mutating func responseReceived(streamID: UInt32, _ payload: ByteBuffer) -> CallStep {
        guard calls[streamID] != nil else { return .untracked }  // cancelled or timed out locally
        let parts: HeadedPayload
        do {
            parts = try HeadedPayload(splitting: payload)
        } catch {
            return .violation(protocolViolation("RESPONSE on stream \(streamID): \(error)"))
        }
        return finish(streamID: streamID, Self.result(of: parts))
    }

    private static func result(of parts: HeadedPayload) -> Result<ByteBuffer, RPCError> {
        if parts.head.readableBytes == 0 { return .success(parts.message) }
        do {
            let head = try ResponseHead(buffer: parts.head)
            if head.code == 0 { return .success(parts.message) }
            // By protocol rule, a server answers UNAVAILABLE only for a
            // call it did not process (docs/PROTOCOL.md §9).
            let code = StatusCode(wireValue: head.code)
            return .failure(RPCError(code, head.message, details: head.details, notProcessed: code == .unavailable))
        } catch {
            return .failure(RPCError(.internal, "malformed response head: \(error)"))
        }
    }

    /// A MESSAGE or RESPONSE too large for this client's limit.
    mutating func oversizedReceived(_ header: FrameHeader) -> CallStep {
        let step = finish(
            streamID: header.streamID,
            .failure(
                RPCError(
                    .resourceExhausted,
                    "response frame of \(header.length) bytes exceeds this client's limit of \(reader.decoder.maxFrameSize)"
                )))
        // A stream goes on sending: tell the server to stop.
        return header.type == .message ? step.cancelling(header.streamID) : step
    }

    /// The caller cancelled, or the call's deadline passed: CANCEL, and the
    /// call ends with `error`.
    mutating func abandon(streamID: UInt32, _ error: RPCError) -> CallStep {
        finish(streamID: streamID, .failure(error)).cancelling(streamID)
    }

    /// Stops tracking a call that ended with `result`; closes a going-away
    /// connection whose last call this was.
    private mutating func finish(streamID: UInt32, _ result: Result<ByteBuffer, RPCError>) -> CallStep {
        guard let call = calls.removeValue(forKey: streamID) else { return .untracked }
        return .ended((call, result), then: closeIfDone())
    }

    private func closeIfDone() -> ConnectionAction {
        guard case .goingAway = state, calls.isEmpty else { return .none }
        return .sendAndClose([], because: nil)
    }

    /// A violation by the server (docs/PROTOCOL.md §13): GOAWAY(0, 13) and close.
    mutating func protocolViolation(_ reason: String) -> Step {
        guard state != .closed else { return Step() }
        state = .closed
        return Step(
            connection: .sendAndClose(
                [.goAway(lastStreamID: 0, code: .internal, reason: reason)],
                because: .warning("protocol violation by server: \(reason)")),
            unusable: true)
    }
}

extension ClientConnectionStateMachine.CallStep {
    /// A CANCEL for `streamID` goes out first (only if the call ended here).
    func cancelling(_ streamID: UInt32) -> Self {
        guard case let .ended(ended, then) = self else { return self }
        return .ended(ended, then: ConnectionAction.send([.cancel(streamID: streamID)]).then(then))
    }
}
