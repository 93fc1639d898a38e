import NIOCore
import SharewireMessages
import SharewireWire
import Testing

@testable import SharewireRPC

/// Steps ``ClientConnectionStateMachine`` through docs/PROTOCOL.md §14.2
/// and §14.3 with time passed in by hand.
@Suite struct ClientConnectionStateMachineTests {
    typealias Machine = ClientConnectionStateMachine
    let t0 = NIODeadline.uptimeNanoseconds(1_000_000_000)

    static func machine(_ configure: (inout ClientConfiguration) -> Void = { _ in }) -> Machine {
        var config = ClientConfiguration()
        configure(&config)
        return Machine(configuration: .init(config))
    }

    static func payload(_ message: some ProtoMessage) -> ByteBuffer {
        var buffer = ByteBuffer()
        message.serialize(into: &buffer)
        return buffer
    }

    /// A READY machine (the server allows `maxCalls` calls at once).
    func ready(maxCalls: UInt32 = 0, _ configure: (inout ClientConfiguration) -> Void = { _ in }) -> Machine {
        var machine = Self.machine(configure)
        _ = machine.helloReceived(Self.payload(Hello(agent: "s", maxConcurrentCalls: maxCalls)), at: t0)
        return machine
    }

    static func pending() -> PendingCall {
        PendingCall(handle: CallHandle(), onMessage: nil, onEnd: { _ in })
    }

    /// Starts a call; returns its stream id.
    static func start(_ machine: inout Machine) -> UInt32? {
        guard case let .start(streamID) = machine.admit() else { return nil }
        machine.callStarted(streamID: streamID, pending())
        return streamID
    }

    static func endedResult(_ step: Machine.CallStep) -> Result<ByteBuffer, RPCError>? {
        if case let .ended(ended, _) = step { return ended.result }
        return nil
    }

    @Test func handshakingThenReadyOnTheServerHello() {
        var machine = Self.machine { $0.keepaliveInterval = .seconds(30) }
        #expect(machine.connected() == .send([.preface, .hello(machine.configuration.hello)]))
        guard case .refuse = machine.admit() else {
            Issue.record("a call started before READY")
            return
        }
        let step = machine.helloReceived(Self.payload(Hello(agent: "s", minPingIntervalMs: 45_000)), at: t0)
        #expect(machine.state == .ready)
        guard case .success? = step.handshake else {
            Issue.record("handshake not done")
            return
        }
        // Never more often than the server allows.
        #expect(step.startKeepalive == .seconds(45))
    }

    @Test func aGoAwayInPlaceOfHelloFailsTheHandshake() {
        var machine = Self.machine()
        let step = machine.goAwayReceived(
            Self.payload(
                GoAway(
                    code: StatusCode.unimplemented.rawValue,
                    reason: "unsupported protocol version 2.0")))
        guard case let .failure(error)? = step.handshake else {
            Issue.record("handshake not failed")
            return
        }
        #expect(error.notProcessed)
        #expect(step.unusable)
        #expect(machine.state == .goingAway(lastStreamID: 0))
    }

    @Test func aFailedPreconditionGoAwayBeforeHelloMeansTLSRequired() {
        var machine = Self.machine()
        let step = machine.goAwayReceived(
            Self.payload(GoAway(code: StatusCode.failedPrecondition.rawValue, reason: "tls")))
        guard case let .failure(error)? = step.handshake else {
            Issue.record("handshake not failed")
            return
        }
        #expect(error.details.first?.reason == TransportSecurity.Reason.tlsRequired)
        #expect(step.note == nil)
    }

    @Test func aGoAwayFailsTheCallsAboveItsLastIdAsNotProcessedAndKeepsTheRest() {
        var machine = ready()
        let ids = (0..<3).compactMap { _ in Self.start(&machine) }
        #expect(ids == [1, 2, 3])
        let step = machine.goAwayReceived(Self.payload(GoAway(lastStreamID: ids[0], code: 0, reason: "drain")))
        #expect(step.unusable)
        #expect(step.ended.count == 2)
        #expect(step.ended.allSatisfy { (try? $0.result.get()) == nil })
        for ended in step.ended {
            if case let .failure(error) = ended.result {
                #expect(error.code == .unavailable)
                #expect(error.notProcessed)
            }
        }
        #expect(step.connection == .none)
        // No new calls; the last tracked one ending closes the connection.
        guard case .refuse = machine.admit() else {
            Issue.record("a call started after GOAWAY")
            return
        }
        var response = ByteBuffer()
        response.writeInteger(UInt32(0))
        guard case let .ended(_, then) = machine.responseReceived(streamID: ids[0], response) else {
            Issue.record("response not delivered")
            return
        }
        #expect(then == .sendAndClose([], because: nil))
    }

    @Test func responsesEndTheirCallOnceAndLaterFramesAreIgnored() {
        var machine = ready()
        let id = Self.start(&machine)!
        var head = ByteBuffer()
        let mark = head.beginHead()
        ResponseHead(code: StatusCode.notFound.rawValue, message: "no").serialize(into: &head)
        head.endHead(mark)
        guard case let .failure(error)? = Self.endedResult(machine.responseReceived(streamID: id, head)) else {
            Issue.record("no error")
            return
        }
        #expect(error.code == .notFound)
        guard case .untracked = machine.responseReceived(streamID: id, head) else {
            Issue.record("delivered twice")
            return
        }
    }

    @Test func aMalformedResponseIsAViolation() {
        var machine = ready()
        let id = Self.start(&machine)!
        guard case let .violation(step) = machine.responseReceived(streamID: id, ByteBuffer(bytes: [0, 0])) else {
            Issue.record("not a violation")
            return
        }
        guard case let .sendAndClose(frames, _) = step.connection,
            case let .goAway(0, .internal, reason)? = frames.first
        else {
            Issue.record("no GOAWAY")
            return
        }
        #expect(reason.hasPrefix("RESPONSE on stream 1: "))
        #expect(machine.state == .closed)
    }

    @Test func aDeadlineOrCancelSendsCancelAndEndsTheCall() {
        var machine = ready()
        let id = Self.start(&machine)!
        guard
            case let .ended(ended, then) = machine.abandon(
                streamID: id, RPCError(.deadlineExceeded, "deadline exceeded"))
        else {
            Issue.record("not ended")
            return
        }
        #expect(then == .send([.cancel(streamID: id)]))
        if case let .failure(error) = ended.result { #expect(error.code == .deadlineExceeded) }
        guard case .untracked = machine.abandon(streamID: id, RPCError(.cancelled, "x")) else {
            Issue.record("ended twice")
            return
        }
    }

    @Test func theServersCallLimitIsRespected() {
        var machine = ready(maxCalls: 1)
        #expect(Self.start(&machine) != nil)
        guard case let .refuse(error, unusable) = machine.admit() else {
            Issue.record("over the limit")
            return
        }
        #expect(error.code == .resourceExhausted)
        #expect(!unusable)
    }

    @Test func keepalivePingsAfterSilenceAndClosesWithoutPong() {
        var machine = ready {
            $0.keepaliveInterval = .seconds(30)
            $0.keepaliveTimeout = .seconds(10)
        }
        #expect(machine.keepaliveTick(at: t0 + .seconds(29)) == .none)
        #expect(
            machine.keepaliveTick(at: t0 + .seconds(30))
                == .send([.ping(opaque: (t0 + .seconds(30)).uptimeNanoseconds)]))
        #expect(machine.keepaliveTick(at: t0 + .seconds(39)) == .none)
        #expect(
            machine.keepaliveTick(at: t0 + .seconds(40))
                == .close(because: .info("closing connection: keepalive timeout")))
        // A PONG clears it.
        var other = ready { $0.keepaliveInterval = .seconds(30) }
        _ = other.keepaliveTick(at: t0 + .seconds(30))
        other.pongReceived()
        other.bytesReceived(ByteBuffer(), at: t0 + .seconds(31))
        #expect(other.keepaliveTick(at: t0 + .seconds(45)) == .none)
    }

    @Test func serverPingsAreAnswered() {
        let machine = ready()
        #expect(machine.pingReceived(opaque: 42) == .send([.pong(opaque: 42)]))
    }

    @Test func shuttingDownClosesOnceTheLastCallEnds() {
        var idle = ready()
        #expect(idle.shutDown().connection == .close(because: nil))
        var busy = ready()
        let id = Self.start(&busy)!
        let step = busy.shutDown()
        #expect(step.unusable)
        #expect(step.connection == .none)
        guard case let .ended(_, then) = busy.abandon(streamID: id, RPCError(.cancelled, "x")) else { return }
        #expect(then == .send([.cancel(streamID: id)]).then(.sendAndClose([], because: nil)))
    }

    @Test func theChannelClosingFailsEveryCall() {
        var machine = ready()
        _ = Self.start(&machine)
        _ = Self.start(&machine)
        let step = machine.channelClosed()
        #expect(step.ended.count == 2)
        #expect(step.unusable)
        #expect(machine.state == .closed)
        #expect(!machine.isReading)
    }
}
