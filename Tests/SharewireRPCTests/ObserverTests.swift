import SharewireMessages
import SharewireRPC
import SharewireTestSupport
import Synchronization
import Testing

/// Records what the server reports to its observer.
final class RecordingObserver: ServerObserver {
    struct Finished: Equatable {
        let path: String
        let code: StatusCode
    }
    private let state = Mutex<(finished: [Finished], refused: [StatusCode], opened: Int, closed: Int)>(([], [], 0, 0))
    /// The same counts as events a test can await (counted after the state is recorded).
    let finishedEvents = EventCounter()
    let closedEvents = EventCounter()

    func callFinished(method: MethodDescriptor, code: StatusCode, duration: Duration) {
        precondition(duration >= .zero)
        state.withLock { $0.finished.append(Finished(path: method.path, code: code)) }
        finishedEvents.add()
    }
    func callRefused(code: StatusCode) { state.withLock { $0.refused.append(code) } }
    func connectionOpened() { state.withLock { $0.opened += 1 } }
    func connectionClosed() {
        state.withLock { $0.closed += 1 }
        closedEvents.add()
    }

    var finished: [Finished] { state.withLock { $0.finished } }
    var refused: [StatusCode] { state.withLock { $0.refused } }
    var connections: (opened: Int, closed: Int) { state.withLock { ($0.opened, $0.closed) } }
}

@Suite(.timeLimit(.minutes(1)))
struct ObserverTests {
    @Test func observerSeesEveryCallItsStatusAndConnections() async throws {
        let observer = RecordingObserver()
        let server = try await TestServer.start { $0.observer = observer }
        let client = server.client()
        _ = try await client.unary(
            Sharewire_V1.Diagnostics.Method.Echo.descriptor, EchoRequest(payload: [1]), responseType: EchoResponse.self)
        _ = try? await client.unary(
            Sharewire_V1.Diagnostics.Method.Echo.descriptor, EchoRequest(failCode: StatusCode.notFound.rawValue),
            responseType: EchoResponse.self)
        _ = try? await client.unary(
            MethodDescriptor(path: "/sharewire.v1.Nope/Missing"), EchoRequest(),
            responseType: EchoResponse.self)
        _ = try? await client.unary(
            Sharewire_V1.Diagnostics.Method.Echo.descriptor, EchoRequest(delayMs: 5_000), timeout: .milliseconds(50),
            responseType: EchoResponse.self)
        // The server reports a call once its handler has stopped; wait (woken by
        // the report, bounded) for the three that reach a handler.
        #expect(await observer.finishedEvents.wait(atLeast: 3, timeout: .seconds(10)))
        let echo = Sharewire_V1.Diagnostics.Method.Echo.descriptor.path
        #expect(
            Array(observer.finished.prefix(2)) == [.init(path: echo, code: .ok), .init(path: echo, code: .notFound)])
        // The timed-out call ends as DEADLINE_EXCEEDED (server deadline) or CANCELLED (client CANCEL first).
        #expect([StatusCode.deadlineExceeded, .cancelled].contains(observer.finished.last?.code))
        #expect(observer.refused == [.unimplemented])
        #expect(observer.connections.opened == 1)
        client.close()
        await server.stop()
        #expect(await observer.closedEvents.wait(atLeast: 1, timeout: .seconds(10)))
        #expect(observer.connections.closed == 1)
    }
}
