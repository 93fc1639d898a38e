import NIOCore
import SharewireMessages
import SharewireWire
import Testing

@testable import SharewireRPC

/// Steps ``ServerConnectionStateMachine`` through every transition of
/// docs/PROTOCOL.md §14.1, with time passed in by hand: no sockets, no sleeps.
@Suite struct ServerConnectionStateMachineTests {
    typealias Machine = ServerConnectionStateMachine
    static let t0 = NIODeadline.uptimeNanoseconds(1_000_000_000)
    let t0 = Self.t0

    static func configuration(
        acceptedWithinLimit: Bool = true,
        _ configure: (inout ServerConfiguration) -> Void = { _ in }
    ) -> Machine.Configuration {
        var config = ServerConfiguration()
        configure(&config)
        return Machine.Configuration(config, acceptedWithinLimit: acceptedWithinLimit)
    }

    static func helloPayload() -> ByteBuffer {
        var buffer = ByteBuffer()
        Hello(agent: "test").serialize(into: &buffer)
        return buffer
    }

    /// A machine in SERVING (preface and HELLO exchanged at `t0`).
    static func serving(_ configure: (inout ServerConfiguration) -> Void = { _ in }) -> Machine {
        var machine = Machine(configuration: configuration(configure), now: t0)
        var bytes = ByteBuffer()
        Preface.current.write(to: &bytes)
        let mark = bytes.beginFrame(.hello, streamID: 0)
        Hello(agent: "test").serialize(into: &bytes)
        bytes.endFrame(mark)
        let (events, failure) = feed(&machine, bytes, at: t0)
        precondition(events.count == 2 && failure == nil, "handshake bytes not decoded")
        _ = machine.prefaceReceived()
        _ = machine.helloReceived(helloPayload(), at: t0)
        return machine
    }

    /// Feeds `bytes` and decodes until more are needed; returns the events
    /// and, if decoding failed, what the machine does about it.
    static func feed(_ machine: inout Machine, _ bytes: ByteBuffer, at now: NIODeadline) -> (
        [FrameEvent], ConnectionAction?
    ) {
        machine.bytesReceived(bytes, at: now)
        var events: [FrameEvent] = []
        while true {
            do {
                guard let event = try machine.nextEvent() else { break }
                events.append(event)
            } catch {
                return (events, machine.decodingFailed(error))
            }
        }
        machine.readProcessed(decodedAny: !events.isEmpty, at: now)
        return (events, nil)
    }

    static func goAway(_ last: UInt32, _ code: StatusCode, _ reason: String) -> ConnectionFrame {
        .goAway(lastStreamID: last, code: code, reason: reason)
    }

    static func call() -> ServerCall {
        ServerCall(method: MethodDescriptor(path: "/test.T/M"), startedAt: nil)
    }

    // MARK: AWAIT_PREFACE

    @Test func aValidPrefaceIsAnsweredWithPrefaceAndHello() {
        var machine = Machine(configuration: Self.configuration(), now: t0)
        #expect(machine.state == .awaitPreface)
        var bytes = ByteBuffer()
        Preface.current.write(to: &bytes)
        let (events, failure) = Self.feed(&machine, bytes, at: t0)
        #expect(failure == nil)
        guard case .preface? = events.first else {
            Issue.record("no preface event")
            return
        }
        #expect(machine.prefaceReceived() == .send([.preface, .hello(machine.configuration.hello)]))
        #expect(machine.state == .awaitHello)
    }

    @Test func badMagicClosesWithoutWritingAnything() {
        var machine = Machine(configuration: Self.configuration(), now: t0)
        let (_, failure) = Self.feed(&machine, ByteBuffer(string: "GET / HTTP/1.1\r\n"), at: t0)
        #expect(failure == .close(because: nil))
        #expect(machine.state == .closed)
        #expect(!machine.isReading)
    }

    @Test func anUnsupportedMajorVersionGetsPrefaceAndGoAwayCode12() {
        var machine = Machine(configuration: Self.configuration(), now: t0)
        var bytes = ByteBuffer()
        Preface(major: 2, minor: 0).write(to: &bytes)
        let (_, failure) = Self.feed(&machine, bytes, at: t0)
        #expect(
            failure
                == .sendAndClose(
                    [
                        .preface,
                        Self.goAway(0, .unimplemented, "unsupported protocol version 2.0; this server speaks 1.x"),
                    ],
                    because: nil))
        #expect(machine.state == .closed)
    }

    @Test func theHandshakeTimeoutClosesSilentlyBeforeThePreface() {
        var machine = Machine(configuration: Self.configuration { $0.handshakeTimeout = .seconds(10) }, now: t0)
        #expect(machine.housekeeping(at: t0 + .seconds(9)) == .none)
        #expect(
            machine.housekeeping(at: t0 + .seconds(10)) == .close(because: .debug("closing connection: no handshake")))
        #expect(machine.state == .closed)
    }

    @Test func overTheConnectionLimitTheHandshakeIsFollowedByGoAwayCode8() {
        var machine = Machine(
            configuration: Self.configuration(acceptedWithinLimit: false) { $0.maxConnections = 7 },
            now: t0)
        #expect(
            machine.prefaceReceived()
                == .sendAndClose(
                    [
                        .preface, .hello(machine.configuration.hello),
                        Self.goAway(0, .resourceExhausted, "connection limit of 7 reached"),
                    ],
                    because: nil))
        #expect(machine.state == .closed)
    }

    @Test func aDrainBeforeThePrefaceClosesWithoutAFrame() {
        var machine = Machine(configuration: Self.configuration(), now: t0)
        #expect(machine.drainRequested(at: t0) == .close(because: nil))
        #expect(machine.state == .closed)
    }

    // MARK: AWAIT_HELLO

    @Test func aFirstFrameOtherThanHelloIsAViolation() {
        var machine = Machine(configuration: Self.configuration(), now: t0)
        var bytes = ByteBuffer()
        Preface.current.write(to: &bytes)
        bytes.writePing(.ping, opaque: 1)
        let (_, failure) = Self.feed(&machine, bytes, at: t0)
        #expect(
            failure
                == .sendAndClose(
                    [Self.goAway(0, .internal, "expected HELLO as first frame, got ping")],
                    because: .notice("protocol violation: expected HELLO as first frame, got ping")))
    }

    @Test func theHandshakeTimeoutAppliesUntilTheHello() {
        var machine = Machine(configuration: Self.configuration { $0.handshakeTimeout = .seconds(10) }, now: t0)
        _ = machine.prefaceReceived()
        #expect(
            machine.housekeeping(at: t0 + .seconds(10)) == .close(because: .debug("closing connection: no handshake")))

        var served = Machine(configuration: Self.configuration { $0.handshakeTimeout = .seconds(10) }, now: t0)
        _ = served.prefaceReceived()
        #expect(served.helloReceived(Self.helloPayload(), at: t0 + .seconds(9)) == .none)
        #expect(served.state == .serving)
        #expect(served.housekeeping(at: t0 + .seconds(11)) == .none)
    }

    @Test func aMalformedHelloIsAViolation() {
        var machine = Machine(configuration: Self.configuration(), now: t0)
        _ = machine.prefaceReceived()
        guard case let .sendAndClose(frames, _) = machine.helloReceived(ByteBuffer(bytes: [0xff, 0xff, 0xff]), at: t0),
            case let .goAway(0, .internal, reason)? = frames.first
        else {
            Issue.record("no GOAWAY")
            return
        }
        #expect(reason.hasPrefix("malformed HELLO: "))
        #expect(machine.state == .closed)
    }

    @Test func theHelloSetsThePeerLimits() {
        var machine = Machine(configuration: Self.configuration(), now: t0)
        _ = machine.prefaceReceived()
        var hello = ByteBuffer()
        Hello(agent: "x", maxFrameSize: 1000, maxMessageSize: 900).serialize(into: &hello)
        _ = machine.helloReceived(hello, at: t0)
        #expect(machine.peerLimits.maxFrameSize == 1000)
        #expect(machine.peerLimits.maxMessageSize == 900)
    }

    // MARK: SERVING: calls, client GOAWAY, half-close

    @Test func aClientGoAwayWithNoCallsClosesAtOnce() {
        var machine = Self.serving()
        #expect(machine.goAwayReceived() == .sendAndClose([], because: nil))
        #expect(machine.state == .closed)
    }

    @Test func aClientGoAwayWithCallsRunningDrainsThemThenCloses() {
        var machine = Self.serving()
        _ = Self.feed(&machine, RawRequest.bytes(streamID: 1), at: t0)
        machine.callStarted(streamID: 1, Self.call())
        #expect(machine.goAwayReceived() == .none)
        #expect(machine.state == .draining(lastStreamID: 1))
        // A later REQUEST is refused, not processed.
        let refusal = machine.admit(streamID: 3)
        #expect(refusal?.code == .unavailable)
        #expect(refusal?.notProcessed == true)
        #expect(machine.removeCall(streamID: 1) != nil)
        #expect(machine.callEnded(at: t0) == .sendAndClose([], because: nil))
        #expect(machine.state == .closed)
    }

    @Test func thePerConnectionCallLimitRefusesTheCallOverIt() {
        var machine = Self.serving { $0.maxConcurrentCallsPerConnection = 2 }
        #expect(machine.admit(streamID: 1) == nil)
        machine.callStarted(streamID: 1, Self.call())
        machine.callStarted(streamID: 3, Self.call())
        let refusal = machine.admit(streamID: 5)
        #expect(refusal?.code == .resourceExhausted)
        #expect(refusal?.details.first?.reason == "CONNECTION_CALL_LIMIT")
    }

    @Test func aHalfCloseBeforeTheHelloCloses() {
        var machine = Machine(configuration: Self.configuration(), now: t0)
        _ = machine.prefaceReceived()
        #expect(machine.inputClosed().0 == .close(because: nil))
    }

    @Test func aHalfCloseWithCallsRunningProbesWithAPingAndDrains() {
        var machine = Self.serving()
        _ = Self.feed(&machine, RawRequest.bytes(streamID: 1), at: t0)
        machine.callStarted(streamID: 1, Self.call())
        #expect(machine.inputClosed().0 == .send([.ping(opaque: 1)]))
        #expect(machine.state == .draining(lastStreamID: 1))
        // No keepalive after a FIN: no PONG can come.
        #expect(machine.housekeeping(at: t0 + .seconds(120)) == .none)
    }

    @Test func aHalfCloseMidFrameIsReportedAndTheFrameDropped() {
        var machine = Self.serving()
        let request = RawRequest.bytes(streamID: 1)
        _ = Self.feed(&machine, request.getSlice(at: 0, length: 6)!, at: t0)
        let (action, midFrame) = machine.inputClosed()
        #expect(midFrame != nil)
        #expect(action == .sendAndClose([], because: nil))
    }

    // MARK: Drain: ANNOUNCED → DRAINING → CLOSED

    @Test func aDrainAnnouncesThenTheMatchingPongSendsTheFinalGoAway() {
        var machine = Self.serving()
        let opaque: UInt64 = 1 | (1 << 63)
        #expect(
            machine.drainRequested(at: t0)
                == .send([
                    Self.goAway(FrameHeader.maxStreamID, .ok, "server shutting down"), .ping(opaque: opaque),
                ]))
        #expect(machine.state == .announced(pingOpaque: opaque, since: t0))
        // REQUESTs are still accepted in phase 1; a client GOAWAY changes nothing.
        _ = Self.feed(&machine, RawRequest.bytes(streamID: 1), at: t0)
        #expect(machine.admit(streamID: 1) == nil)
        machine.callStarted(streamID: 1, Self.call())
        #expect(machine.goAwayReceived() == .none)
        #expect(machine.state == .announced(pingOpaque: opaque, since: t0))
        // Another PONG (a keepalive's) does not end phase 1.
        #expect(machine.pongReceived(opaque: 5) == .none)
        #expect(machine.pongReceived(opaque: opaque) == .send([Self.goAway(1, .ok, "server shutting down")]))
        #expect(machine.state == .draining(lastStreamID: 1))
        #expect(machine.admit(streamID: 3)?.code == .unavailable)
        _ = machine.removeCall(streamID: 1)
        #expect(machine.callEnded(at: t0) == .sendAndClose([], because: nil))
    }

    @Test func withoutItsPongPhase2ComesAtTheFirstTickAnAnnounceWaitLater() {
        var machine = Self.serving { $0.housekeepingInterval = .seconds(1) }
        _ = machine.drainRequested(at: t0)
        #expect(machine.housekeeping(at: t0 + .milliseconds(999)) == .none)
        // No call runs: phase 2 and close at once.
        #expect(
            machine.housekeeping(at: t0 + .seconds(1))
                == .sendAndClose([Self.goAway(0, .ok, "server shutting down")], because: nil))
        #expect(machine.state == .closed)
    }

    @Test func aHalfCloseInPhase1SendsPhase2AtOnce() {
        var machine = Self.serving()
        _ = machine.drainRequested(at: t0)
        #expect(machine.inputClosed().0 == .sendAndClose([Self.goAway(0, .ok, "server shutting down")], because: nil))
    }

    @Test func aSecondDrainRequestChangesNothing() {
        var machine = Self.serving()
        _ = machine.drainRequested(at: t0)
        #expect(machine.drainRequested(at: t0 + .seconds(1)) == .none)
    }

    // MARK: From SERVING, ANNOUNCED or DRAINING

    /// The machine in each state from which the fatal transitions apply.
    static func busyMachines(_ configure: (inout ServerConfiguration) -> Void = { _ in }) -> [Machine] {
        let serving = Self.serving(configure)
        var announced = Self.serving(configure)
        _ = announced.drainRequested(at: t0)
        var draining = Self.serving(configure)
        _ = Self.feed(&draining, RawRequest.bytes(streamID: 1), at: t0)
        draining.callStarted(streamID: 1, Self.call())
        _ = draining.goAwayReceived()
        return [serving, announced, draining]
    }

    @Test func aProtocolViolationSendsGoAwayCode13AndCloses() {
        for var machine in Self.busyMachines() {
            var bytes = ByteBuffer()
            bytes.writeMultipleIntegers(UInt32(0), UInt8(0x42), UInt8(0), UInt32(0))
            let (_, failure) = Self.feed(&machine, bytes, at: t0)
            guard case let .sendAndClose(frames, _)? = failure else {
                Issue.record("not closed")
                continue
            }
            #expect(frames == [Self.goAway(machine.lastRequestStreamID, .internal, "unknown frame type 0x42")])
            #expect(machine.state == .closed)
        }
    }

    @Test func theThirdPingStrikeSendsTooManyPingsAndCloses() {
        for var machine in Self.busyMachines({ $0.minPingInterval = .seconds(10) }) {
            #expect(machine.pingReceived(opaque: 1, at: t0) == .send([.pong(opaque: 1)]))
            #expect(machine.pingReceived(opaque: 2, at: t0) == .send([.pong(opaque: 2)]))
            #expect(machine.pingReceived(opaque: 3, at: t0) == .send([.pong(opaque: 3)]))
            #expect(
                machine.pingReceived(opaque: 4, at: t0)
                    == .sendAndClose(
                        [Self.goAway(machine.lastRequestStreamID, .resourceExhausted, "too_many_pings")],
                        because: .notice("closing connection: too many pings")))
            #expect(machine.state == .closed)
        }
    }

    @Test func callDataSentResetsThePingStrikes() {
        var machine = Self.serving { $0.minPingInterval = .seconds(10) }
        for opaque in UInt64(1)...10 {
            #expect(machine.pingReceived(opaque: opaque, at: t0) == .send([.pong(opaque: opaque)]))
            machine.callDataSent()
        }
    }

    @Test func anIdleConnectionGetsGoAwayIdleTimeout() {
        var machine = Self.serving {
            $0.idleTimeout = .seconds(300)
            $0.keepaliveInterval = .seconds(3600)
        }
        // PINGs and PONGs are not calls: they do not keep it open.
        #expect(machine.pingReceived(opaque: 1, at: t0 + .seconds(200)) == .send([.pong(opaque: 1)]))
        #expect(machine.pongReceived(opaque: 1) == .none)
        #expect(machine.housekeeping(at: t0 + .seconds(299)) == .none)
        #expect(
            machine.housekeeping(at: t0 + .seconds(300))
                == .sendAndClose(
                    [Self.goAway(0, .ok, "idle timeout")], because: .debug("closing idle connection")))
    }

    @Test func aRunningCallKeepsTheConnectionFromIdling() {
        var machine = Self.serving {
            $0.idleTimeout = .seconds(5)
            $0.keepaliveInterval = .seconds(3600)
        }
        machine.callStarted(streamID: 1, Self.call())
        #expect(machine.housekeeping(at: t0 + .seconds(60)) == .none)
        _ = machine.removeCall(streamID: 1)
        _ = machine.callEnded(at: t0 + .seconds(60))
        #expect(machine.housekeeping(at: t0 + .seconds(64)) == .none)
        guard case .sendAndClose = machine.housekeeping(at: t0 + .seconds(65)) else {
            Issue.record("not closed when idle")
            return
        }
    }

    @Test func aFrameNotCompletedInTimeGetsGoAwayCode4() {
        var machine = Self.serving { $0.frameTimeout = .seconds(10) }
        let request = RawRequest.bytes(streamID: 1)
        _ = Self.feed(&machine, request.getSlice(at: 0, length: FrameHeader.size + 1)!, at: t0)
        #expect(machine.partialFrameSince == t0)
        // More bytes of the same frame do not restart its clock.
        _ = Self.feed(&machine, request.getSlice(at: FrameHeader.size + 1, length: 1)!, at: t0 + .seconds(5))
        #expect(machine.housekeeping(at: t0 + .seconds(9)) == .none)
        #expect(
            machine.housekeeping(at: t0 + .seconds(10))
                == .sendAndClose(
                    [Self.goAway(0, .deadlineExceeded, "frame not completed within 10000 ms")],
                    because: .notice("closing connection: frame not completed in time")))
    }

    @Test func aCompletedFrameStopsTheFrameClockAndHeldReadsDoNotCount() {
        var machine = Self.serving { $0.frameTimeout = .seconds(10) }
        let request = RawRequest.bytes(streamID: 1)
        let half = request.readableBytes / 2
        _ = Self.feed(&machine, request.getSlice(at: 0, length: half)!, at: t0)
        // Reads held for back-pressure: that time is ours, not the peer's.
        let readNow = machine.readRequested(channelWritable: false)
        #expect(!readNow)
        #expect(machine.housekeeping(at: t0 + .seconds(30)) == .none)
        let resume = machine.writabilityChanged(writable: true, at: t0 + .seconds(30))
        #expect(resume)
        #expect(machine.partialFrameSince == t0 + .seconds(30))
        let (events, _) = Self.feed(
            &machine, request.getSlice(at: half, length: request.readableBytes - half)!,
            at: t0 + .seconds(31))
        #expect(events.count == 1)
        #expect(machine.partialFrameSince == nil)
        #expect(machine.housekeeping(at: t0 + .seconds(45)) == .none)
    }

    @Test func keepalivePingsASilentConnectionAndClosesWithoutPong() {
        var machine = Self.serving {
            $0.keepaliveInterval = .seconds(60)
            $0.keepaliveTimeout = .seconds(20)
        }
        #expect(machine.housekeeping(at: t0 + .seconds(59)) == .none)
        #expect(machine.housekeeping(at: t0 + .seconds(60)) == .send([.ping(opaque: 1)]))
        #expect(machine.housekeeping(at: t0 + .seconds(61)) == .none)  // one outstanding at a time
        #expect(
            machine.housekeeping(at: t0 + .seconds(80))
                == .close(because: .info("closing connection: keepalive timeout")))
        #expect(machine.state == .closed)
    }

    @Test func anyPongClearsTheKeepalivePingAndBytesCountAsActivity() {
        var machine = Self.serving {
            $0.keepaliveInterval = .seconds(60)
            $0.keepaliveTimeout = .seconds(20)
        }
        #expect(machine.housekeeping(at: t0 + .seconds(60)) == .send([.ping(opaque: 1)]))
        var pong = ByteBuffer()
        pong.writePing(.pong, opaque: 1)
        _ = Self.feed(&machine, pong, at: t0 + .seconds(61))
        #expect(machine.pongReceived(opaque: 1) == .none)
        #expect(machine.housekeeping(at: t0 + .seconds(90)) == .none)
        #expect(machine.housekeeping(at: t0 + .seconds(121)) == .send([.ping(opaque: 2)]))
    }

    @Test func tooManyFailedAuthenticationsDrainWithGoAwayCode16() {
        var machine = Self.serving()
        _ = Self.feed(&machine, RawRequest.bytes(streamID: 1), at: t0)
        let reason = "too many failed authentications on this connection (more than 5); check the API key"
        // During the failing (synchronous) call: its own end closes.
        #expect(
            machine.authenticationLimitReached(burst: 5, duringCall: true)
                == .send([Self.goAway(1, .unauthenticated, reason)]))
        #expect(machine.state == .draining(lastStreamID: 1))
        #expect(machine.callEnded(at: t0) == .sendAndClose([], because: nil))
        // From elsewhere with nothing running: close at once.
        var other = Self.serving()
        #expect(
            other.authenticationLimitReached(burst: 5, duringCall: false)
                == .sendAndClose([Self.goAway(0, .unauthenticated, reason)], because: nil))
    }

    // MARK: Deadlines and CANCEL

    @Test func anExpiredDeadlineWaitsForTheHandlerThenAnswersGenerically() {
        var machine = Self.serving()
        machine.callStarted(streamID: 1, Self.call())
        guard case .cancelAndAwaitGrace = machine.deadlineExpired(streamID: 1) else {
            Issue.record("no grace")
            return
        }
        guard case .none = machine.deadlineExpired(streamID: 1) else {
            Issue.record("twice")
            return
        }
        let owed = machine.deadlineGraceOver(streamID: 1)
        let owedAgain = machine.deadlineGraceOver(streamID: 1)
        #expect(owed)
        #expect(!owedAgain)
        #expect(!machine.acceptsMessages(streamID: 1))
        #expect(machine.removeCall(streamID: 1)?.endedEarlyWith == .deadlineExceeded)
    }

    @Test func anExplainedDeadlineIsAnsweredAtOnce() {
        var machine = Self.serving()
        let explanation = DeadlineExplanation()
        explanation.set(RPCError(.deadlineExceeded, "waiting"))
        machine.callStarted(
            streamID: 1,
            ServerCall(
                method: MethodDescriptor(path: "/t.T/M"), startedAt: nil,
                deadlineExplanation: explanation))
        guard case let .answer(error, _) = machine.deadlineExpired(streamID: 1) else {
            Issue.record("not answered")
            return
        }
        #expect(error.message == "waiting")
        let owed = machine.deadlineGraceOver(streamID: 1)
        #expect(!owed)
    }

    @Test func aCancelEndsTheCallWithoutAnAnswerButKeepsItsSlot() {
        var machine = Self.serving { $0.maxConcurrentCallsPerConnection = 1 }
        machine.callStarted(streamID: 1, Self.call())
        #expect(machine.cancelReceived(streamID: 1)?.endedEarlyWith == .cancelled)
        #expect(!machine.acceptsMessages(streamID: 1))
        #expect(machine.admit(streamID: 3)?.code == .resourceExhausted)
        #expect(machine.cancelReceived(streamID: 9) == nil)
    }
}

/// REQUEST bytes for the machine tests (Echo by method id).
enum RawRequest {
    static func bytes(streamID: UInt32) -> ByteBuffer {
        var buffer = ByteBuffer()
        let frame = buffer.beginFrame(.request, streamID: streamID)
        let head = buffer.beginHead()
        RequestHead(methodID: 1).serialize(into: &buffer)
        buffer.endHead(head)
        EchoRequest(payload: [1]).serialize(into: &buffer)
        buffer.endFrame(frame)
        return buffer
    }
}
