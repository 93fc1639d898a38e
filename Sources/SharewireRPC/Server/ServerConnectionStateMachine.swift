import NIOCore
import SharewireMessages
import SharewireWire

/// The server side of one connection, as docs/PROTOCOL.md §14.1 draws it:
/// AWAIT_PREFACE → AWAIT_HELLO → SERVING → ANNOUNCED → DRAINING → CLOSED.
///
/// A value with no I/O and no clock of its own: the handler feeds it events
/// (bytes read, frames decoded, housekeeping ticks with the time, write-
/// ability, drain requests, calls starting and ending) and does what the
/// returned actions say. It owns everything the connection decides with:
/// the frame reader, the peer's limits, the running calls, the ping
/// policer, keepalive and the idle, handshake and partial-frame clocks.
struct ServerConnectionStateMachine {
    enum State: Equatable, Sendable {
        /// Accepted; the client preface has not arrived.
        case awaitPreface
        /// Our preface and HELLO are out; the client HELLO has not arrived.
        case awaitHello
        case serving
        /// Drain phase 1: GOAWAY(2^31-1) and a PING carrying `pingOpaque`
        /// are out; REQUESTs are still accepted (they may have crossed it).
        case announced(pingOpaque: UInt64, since: NIODeadline)
        /// REQUESTs above `lastStreamID` are refused; closes when no call remains.
        case draining(lastStreamID: UInt32)
        /// Closing or closed: nothing more is read, decided or sent.
        case closed
    }

    /// The limits and timers one connection enforces.
    struct Configuration: Sendable {
        var hello: Hello
        var maxFrameSize: UInt32
        var maxConcurrentCalls: Int
        var handshakeTimeout: TimeAmount
        var frameTimeout: TimeAmount
        var idleTimeout: TimeAmount
        var keepaliveInterval: TimeAmount
        var keepaliveTimeout: TimeAmount
        /// How long drain phase 1 waits for its PONG (the housekeeping interval).
        var announceWait: TimeAmount
        var minPingInterval: TimeAmount
        var maxPingStrikes: Int
        /// The server's connection limit when this connection is over it
        /// (it gets the handshake, then GOAWAY); nil when within it.
        var overConnectionLimit: Int?

        init(_ config: ServerConfiguration, acceptedWithinLimit: Bool) {
            hello = Hello(
                agent: config.agent,
                maxFrameSize: config.maxFrameSize,
                maxMessageSize: config.maxMessageSize,
                maxConcurrentCalls: UInt32(clamping: config.maxConcurrentCallsPerConnection),
                keepaliveIntervalMs: UInt32(clamping: config.keepaliveInterval.nanoseconds / 1_000_000),
                minPingIntervalMs: UInt32(clamping: config.minPingInterval.nanoseconds / 1_000_000),
                idleTimeoutMs: UInt32(clamping: config.idleTimeout.nanoseconds / 1_000_000)
            )
            maxFrameSize = config.maxFrameSize
            maxConcurrentCalls = config.maxConcurrentCallsPerConnection
            handshakeTimeout = config.handshakeTimeout
            frameTimeout = config.frameTimeout
            idleTimeout = config.idleTimeout
            keepaliveInterval = config.keepaliveInterval
            keepaliveTimeout = config.keepaliveTimeout
            announceWait = config.housekeepingInterval
            minPingInterval = config.minPingInterval
            maxPingStrikes = config.maxPingStrikes
            overConnectionLimit = acceptedWithinLimit ? nil : config.maxConnections
        }
    }

    /// What the handler does with a call's expired deadline.
    enum DeadlineStep {
        case none
        /// Cancel the task and answer with the handler's own explanation now.
        case answer(RPCError, cancel: Task<Void, Never>?)
        /// Cancel the task; answer DEADLINE_EXCEEDED if it has not answered
        /// within the grace period (``deadlineGraceOver(streamID:)``).
        case cancelAndAwaitGrace(Task<Void, Never>?)
    }

    static let shuttingDown = "server shutting down"

    let configuration: Configuration
    private(set) var state = State.awaitPreface
    private var reader: FrameReader
    /// The limits the client announced in its HELLO (defaults until then).
    private(set) var peerLimits = PeerLimits()
    /// Calls whose handler runs as a task. A call answered synchronously
    /// never enters.
    private(set) var calls: [UInt32: ServerCall] = [:]
    private var policer: PingPolicer
    private var keepalive: Keepalive
    private let connectedAt: NIODeadline
    private var lastCallEndedAt: NIODeadline
    /// When the frame the peer is part-way through began arriving (or reads
    /// were last resumed); nil between frames.
    private(set) var partialFrameSince: NIODeadline?
    /// Reads are held until the channel is writable again (back-pressure).
    private(set) var readHeld = false
    /// The peer half-closed: no more frames (so no PONG) will arrive.
    private var peerHalfClosed = false
    private var helloReceived = false
    private var nextPingOpaque: UInt64 = 1

    init(configuration: Configuration, now: NIODeadline) {
        self.configuration = configuration
        reader = FrameReader(decoder: FrameDecoder(role: .server, maxFrameSize: configuration.maxFrameSize))
        policer = PingPolicer(minInterval: configuration.minPingInterval, maxStrikes: configuration.maxPingStrikes)
        keepalive = Keepalive(
            interval: configuration.keepaliveInterval, timeout: configuration.keepaliveTimeout, now: now)
        connectedAt = now
        lastCallEndedAt = now
    }

    /// The highest REQUEST id received, refused and oversized ones included.
    var lastRequestStreamID: UInt32 { reader.decoder.lastRequestStreamID }

    // MARK: Reading

    /// Whether received bytes are still decoded and acted on.
    var isReading: Bool { state != .closed }

    /// Bytes arrived (any bytes count as keepalive activity).
    mutating func bytesReceived(_ bytes: ByteBuffer, at now: NIODeadline) {
        keepalive.bytesRead(at: now)
        reader.append(bytes)
    }

    /// The next decoded event of the bytes received, or nil when more are needed.
    mutating func nextEvent() throws(FrameDecodingError) -> FrameEvent? {
        try reader.next()
    }

    /// The events of one read were handled. A new partial frame starts the
    /// frame timeout; more bytes of the same one do not.
    mutating func readProcessed(decodedAny: Bool, at now: NIODeadline) {
        reader.compact()
        if !reader.isInsideFrame {
            partialFrameSince = nil
        } else if decodedAny || partialFrameSince == nil {
            partialFrameSince = now
        }
    }

    /// NIO asks for more bytes: whether to read now. While the peer is not
    /// reading our responses we read no more of its requests.
    mutating func readRequested(channelWritable: Bool) -> Bool {
        if channelWritable { return true }
        readHeld = true
        return false
    }

    /// The channel's writability changed: whether to resume held reads.
    mutating func writabilityChanged(writable: Bool, at now: NIODeadline) -> Bool {
        guard writable, readHeld else { return false }
        readHeld = false
        // Time with reads held was ours, not the peer's.
        if partialFrameSince != nil { partialFrameSince = now }
        return true
    }

    /// The decoder rejected the bytes (docs/PROTOCOL.md §13).
    mutating func decodingFailed(_ error: FrameDecodingError) -> ConnectionAction {
        switch error {
        case .badMagic:
            // Not a Sharewire client: answer nothing (docs/PROTOCOL.md §1).
            state = .closed
            return .close(because: nil)
        case let .unsupportedVersion(major, minor):
            return goAwayAndClose(
                after: [.preface], code: .unimplemented,
                reason: "unsupported protocol version \(major).\(minor); this server speaks 1.x")
        default:
            return protocolViolation(error.description)
        }
    }

    // MARK: Handshake and connection frames

    /// The client preface arrived: send ours and our HELLO (and, over the
    /// connection limit, GOAWAY and close).
    mutating func prefaceReceived() -> ConnectionAction {
        guard state == .awaitPreface else { return .none }
        state = .awaitHello
        let frames: [ConnectionFrame] = [.preface, .hello(configuration.hello)]
        if let limit = configuration.overConnectionLimit {
            return goAwayAndClose(
                after: frames, code: .resourceExhausted, reason: "connection limit of \(limit) reached")
        }
        return .send(frames)
    }

    mutating func helloReceived(_ payload: ByteBuffer, at now: NIODeadline) -> ConnectionAction {
        do {
            peerLimits = PeerLimits(try Hello(buffer: payload))
        } catch {
            return protocolViolation("malformed HELLO: \(error)")
        }
        helloReceived = true
        if state == .awaitHello { state = .serving }
        // The idle clock starts now, not at accept: a slow handshake must
        // not eat the new connection's first idle period.
        lastCallEndedAt = now
        return .none
    }

    mutating func pingReceived(opaque: UInt64, at now: NIODeadline) -> ConnectionAction {
        switch policer.pingReceived(at: now) {
        case .allow, .strike:
            return .send([.pong(opaque: opaque)])
        case .abusive:
            return goAwayAndClose(
                code: .resourceExhausted, reason: "too_many_pings",
                note: .notice("closing connection: too many pings"))
        }
    }

    mutating func pongReceived(opaque: UInt64) -> ConnectionAction {
        keepalive.pongReceived()
        if case let .announced(marker, _) = state, marker == opaque {
            return sendFinalGoAway()
        }
        return .none
    }

    /// A client GOAWAY, valid or not (docs/PROTOCOL.md §12.5).
    mutating func goAwayReceived() -> ConnectionAction {
        peerStartsNoMoreCalls()
    }

    /// The client half-closed (TCP FIN) and still reads: like a client
    /// GOAWAY, running calls finish and are answered, then the connection
    /// closes (docs/PROTOCOL.md §12.5). Returns what to do and, if the peer
    /// stopped inside a frame, the decoder's complaint (for the log).
    mutating func inputClosed() -> (ConnectionAction, FrameDecodingError?) {
        peerHalfClosed = true
        partialFrameSince = nil
        var midFrame: FrameDecodingError?
        do { try reader.finish() } catch { midFrame = error }
        guard state != .closed else { return (.none, midFrame) }
        guard helloReceived else {
            state = .closed
            return (.close(because: nil), midFrame)
        }
        // In phase 1 no REQUEST can cross the GOAWAY any more: phase 2 now.
        var action = state.isAnnounced ? sendFinalGoAway() : peerStartsNoMoreCalls()
        guard state != .closed, !calls.isEmpty else { return (action, midFrame) }
        // A FIN looks the same whether the peer half-closed or closed fully.
        // Probe with a PING: a closed socket answers it with a TCP reset,
        // which closes this channel (cancelling the calls) at once; a
        // half-closed client just reads it.
        action = action.then(.send([.ping(opaque: takePingOpaque())]))
        return (action, midFrame)
    }

    /// The server drains (docs/PROTOCOL.md §12.3): phase 1 now.
    mutating func drainRequested(at now: NIODeadline) -> ConnectionAction {
        switch state {
        case .awaitPreface:
            // No preface yet, so no GOAWAY can be framed: nothing runs here.
            state = .closed
            return .close(because: nil)
        case .awaitHello, .serving:
            let opaque = takePingOpaque() | (1 << 63)
            state = .announced(pingOpaque: opaque, since: now)
            return .send([
                .goAway(lastStreamID: FrameHeader.maxStreamID, code: .ok, reason: Self.shuttingDown),
                .ping(opaque: opaque),
            ])
        case .announced, .draining, .closed:
            return .none
        }
    }

    /// Too many failed authentications (docs/PROTOCOL.md §8.1): GOAWAY
    /// (UNAUTHENTICATED) with the highest REQUEST id received, so the calls
    /// up to it (the failing one included) are still answered and nothing
    /// later runs. `duringCall`: from inside the failing call, whose own end
    /// closes the connection after its RESPONSE is written.
    mutating func authenticationLimitReached(burst: Int, duringCall: Bool) -> ConnectionAction {
        guard state == .serving else { return .none }  // already going away
        let last = lastRequestStreamID
        state = .draining(lastStreamID: last)
        let goAway = ConnectionAction.send([
            .goAway(
                lastStreamID: last, code: .unauthenticated,
                reason: "too many failed authentications on this connection (more than \(burst)); check the API key")
        ])
        return duringCall ? goAway : goAway.then(closeIfDrained())
    }

    // MARK: Timers

    /// The housekeeping tick: drain phase 2 if its PONG is late, then the
    /// handshake, frame, idle and keepalive timers, in that order.
    mutating func housekeeping(at now: NIODeadline) -> ConnectionAction {
        var action = ConnectionAction.none
        if case let .announced(_, since) = state, now - since >= configuration.announceWait {
            // The client did not answer the drain PING in time; go to phase 2.
            action = sendFinalGoAway()
        }
        guard state != .closed else { return action }
        guard helloReceived else {
            // A peer that never completes the handshake holds no slot for long.
            guard now - connectedAt >= configuration.handshakeTimeout else { return action }
            state = .closed
            return action.then(.close(because: .debug("closing connection: no handshake")))
        }
        if let since = partialFrameSince, !readHeld, now - since >= configuration.frameTimeout {
            return action.then(
                goAwayAndClose(
                    code: .deadlineExceeded,
                    reason: "frame not completed within \(configuration.frameTimeout.nanoseconds / 1_000_000) ms",
                    note: .notice("closing connection: frame not completed in time")))
        }
        // Idleness counts calls only: keepalive PONGs must not keep an
        // unused connection open.
        if calls.isEmpty, now - lastCallEndedAt >= configuration.idleTimeout {
            return action.then(
                goAwayAndClose(code: .ok, reason: "idle timeout", note: .debug("closing idle connection")))
        }
        // After a FIN no PONG can arrive; a dead peer shows up as a failed write.
        guard !peerHalfClosed else { return action }
        switch keepalive.tick(at: now) {
        case .none:
            return action
        case .sendPing:
            return action.then(.send([.ping(opaque: takePingOpaque())]))
        case .timedOut:
            state = .closed
            return action.then(.close(because: .info("closing connection: keepalive timeout")))
        }
    }

    // MARK: Calls

    /// Whether this connection takes a REQUEST on `streamID`: refused while
    /// draining above the last id, or over the per-connection call limit.
    // `mutating` though it changes nothing: called on the handler's stored
    // machine, a non-mutating method copied the whole machine (a retain and
    // release of each of its references) on every REQUEST.
    mutating func admit(streamID: UInt32) -> RPCError? {
        if case let .draining(last) = state, streamID > last {
            return RPCError(.unavailable, "server is draining; call not processed", notProcessed: true)
        }
        guard calls.count < configuration.maxConcurrentCalls else {
            return RPCError(
                .resourceExhausted,
                "too many concurrent calls on this connection (limit \(configuration.maxConcurrentCalls))",
                details: [
                    StatusDetail(
                        reason: "CONNECTION_CALL_LIMIT",
                        metadata: [MetadataEntry(key: "limit", value: "\(configuration.maxConcurrentCalls)")])
                ])
        }
        return nil
    }

    /// A call's handler is about to run as a task.
    mutating func callStarted(streamID: UInt32, _ call: ServerCall) {
        calls[streamID] = call
    }

    /// The task of a call that is still running after its synchronous part,
    /// and its deadline timer. False when the call already ended.
    mutating func callRunning(streamID: UInt32, task: Task<Void, Never>, deadlineTimer: Scheduled<Void>?) {
        calls[streamID]?.task = task
        calls[streamID]?.deadlineTimer = deadlineTimer
    }

    func isRunning(streamID: UInt32) -> Bool { calls[streamID] != nil }

    /// The handler of a running call returned; nil if it was not running
    /// (answered synchronously, or never started).
    mutating func removeCall(streamID: UInt32) -> ServerCall? {
        calls.removeValue(forKey: streamID)
    }

    /// A call ended, on either path: the idle clock restarts, and a drain
    /// may now be complete.
    mutating func callEnded(at now: NIODeadline) -> ConnectionAction {
        lastCallEndedAt = now
        return closeIfDrained()
    }

    /// A running call's deadline passed. A handler that said what it is
    /// waiting for (``ServerContext/explainDeadline(_:)``) is answered with
    /// that at once; otherwise it gets a grace period to answer itself.
    mutating func deadlineExpired(streamID: UInt32) -> DeadlineStep {
        guard var call = calls[streamID], !call.finished, !call.deadlinePassed else { return .none }
        call.deadlinePassed = true
        if let explained = call.deadlineExplanation?.current {
            call.finished = true
            call.endedEarlyWith = .deadlineExceeded
            calls[streamID] = call
            return .answer(explained, cancel: call.task)
        }
        calls[streamID] = call
        return .cancelAndAwaitGrace(call.task)
    }

    /// The deadline grace period ended: whether the generic
    /// DEADLINE_EXCEEDED is owed now (the handler has not answered).
    mutating func deadlineGraceOver(streamID: UInt32) -> Bool {
        guard var call = calls[streamID], !call.finished else { return false }
        call.finished = true
        call.endedEarlyWith = .deadlineExceeded
        calls[streamID] = call
        return true
    }

    /// CANCEL: no RESPONSE is owed any more; the slot stays taken until the
    /// handler's task actually ends. Returns the call, to cancel its task
    /// and timer.
    mutating func cancelReceived(streamID: UInt32) -> ServerCall? {
        guard var call = calls[streamID] else { return nil }
        if !call.finished { call.endedEarlyWith = .cancelled }
        call.finished = true
        calls[streamID] = call
        return call
    }

    /// Whether a running stream may still send MESSAGE frames.
    func acceptsMessages(streamID: UInt32) -> Bool {
        calls[streamID].map { !$0.finished } ?? false
    }

    /// A RESPONSE or MESSAGE went out: ping strikes reset (§11.3).
    mutating func callDataSent() {
        policer.responseSent()
    }

    /// The channel closed. Returns whether the peer stopped inside a frame.
    /// The calls stay until their tasks end, so each frees its slot.
    mutating func channelClosed() -> FrameDecodingError? {
        state = .closed
        do { try reader.finish() } catch { return error }
        return nil
    }

    // MARK: Transitions

    /// The client will start no more calls; finish the ones running.
    private mutating func peerStartsNoMoreCalls() -> ConnectionAction {
        if state == .serving { state = .draining(lastStreamID: lastRequestStreamID) }
        return closeIfDrained()
    }

    /// Drain phase 2: GOAWAY with the highest REQUEST id received.
    private mutating func sendFinalGoAway() -> ConnectionAction {
        let last = lastRequestStreamID
        state = .draining(lastStreamID: last)
        return ConnectionAction.send([.goAway(lastStreamID: last, code: .ok, reason: Self.shuttingDown)])
            .then(closeIfDrained())
    }

    private mutating func closeIfDrained() -> ConnectionAction {
        guard case .draining = state, calls.isEmpty else { return .none }
        state = .closed
        return .sendAndClose([], because: nil)
    }

    /// A violation of docs/PROTOCOL.md §13 found above the decoder.
    mutating func protocolViolation(_ reason: String) -> ConnectionAction {
        goAwayAndClose(code: .internal, reason: reason, note: .notice("protocol violation: \(reason)"))
    }

    private mutating func goAwayAndClose(
        after frames: [ConnectionFrame] = [], code: StatusCode, reason: String,
        note: ConnectionNote? = nil
    ) -> ConnectionAction {
        guard state != .closed else { return .none }
        state = .closed
        return .sendAndClose(
            frames + [.goAway(lastStreamID: lastRequestStreamID, code: code, reason: reason)],
            because: note)
    }

    private mutating func takePingOpaque() -> UInt64 {
        defer { nextPingOpaque += 1 }
        return nextPingOpaque
    }
}

extension ServerConnectionStateMachine.State {
    var isAnnounced: Bool {
        if case .announced = self { return true }
        return false
    }
}
