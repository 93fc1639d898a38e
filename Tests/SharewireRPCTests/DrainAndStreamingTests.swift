import NIOCore
import SharewireMessages
import SharewireRPC
import Testing

@Suite(.timeLimit(.minutes(1)))
struct DrainAndStreamingTests {
    @Test func drainFinishesInFlightAndRefusesNewCalls() async throws {
        let server = try await TestServer.start { $0.drainGracePeriod = .seconds(10) }
        let client = server.client()
        try await client.connect()
        let inFlight = Task {
            try await client.unary(DiagnosticsService.echo, EchoRequest(payload: [8], delayMs: 500),
                                   responseType: EchoResponse.self)
        }
        try await Task.sleep(for: .milliseconds(100))
        let drain = Task { await server.server.drain() }
        // The old connection is told to go away and the listener closes: soon
        // a new call cannot be processed and says so. Calls that cross the
        // first GOAWAY are still served (phase 1), so poll (bounded) instead of
        // guessing how long the two phases take on a loaded machine.
        let clock = ContinuousClock()
        let end = clock.now + .seconds(10)
        var error: RPCError?
        while error == nil, clock.now < end {
            do {
                _ = try await client.unary(DiagnosticsService.echo, EchoRequest(), responseType: EchoResponse.self)
            } catch let refused {
                error = refused
                break
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(error?.code == .unavailable)
        #expect(error?.notProcessed == true)
        let reply = try await inFlight.value
        #expect(reply.payload == [8])
        await drain.value
        #expect(server.server.connectionCount == 0)
        client.close()
    }

    @Test func drainGraceTimeoutClosesStragglers() async throws {
        let server = try await TestServer.start { $0.drainGracePeriod = .milliseconds(300) }
        let client = server.client()
        let stuck = Task {
            try await client.unary(TestMethods.block, EchoRequest(payload: Array("stuck".utf8)),
                                   responseType: EchoResponse.self)
        }
        #expect(await server.probe.waitFor("started:stuck"))
        let clock = ContinuousClock()
        let start = clock.now
        await server.server.drain()
        #expect(clock.now - start < .seconds(5))
        await #expect(throws: RPCError.self) { _ = try await stuck.value }
        #expect(await server.probe.waitFor("cancelled:stuck"))
        client.close()
    }

    @Test func serverStreamDeliversAllMessagesInOrder() async throws {
        let server = try await TestServer.start()
        let client = server.client()
        let stream = try await client.serverStream(DiagnosticsService.echoStream,
                                                   EchoRequest(payload: [1], count: 50, intervalMs: 1),
                                                   responseType: EchoResponse.self)
        var sequences: [UInt32] = []
        for try await message in stream { sequences.append(message.sequence) }
        #expect(sequences == Array(0..<50))
        client.close()
        await server.stop()
    }

    @Test func serverStreamEndsWithErrorStatus() async throws {
        let server = try await TestServer.start()
        let client = server.client()
        let stream = try await client.serverStream(DiagnosticsService.echoStream,
                                                   EchoRequest(count: 3, failCode: StatusCode.aborted.rawValue,
                                                               failMessage: "stop"),
                                                   responseType: EchoResponse.self)
        var received = 0
        do {
            for try await _ in stream { received += 1 }
            Issue.record("stream should have thrown")
        } catch let error as RPCError {
            #expect(error.code == .aborted)
            #expect(error.message == "stop")
        }
        #expect(received == 3)
        client.close()
        await server.stop()
    }

    @Test func abandoningAStreamCancelsTheServerSide() async throws {
        let server = try await TestServer.start()
        let client = server.client()
        let stream = try await client.serverStream(DiagnosticsService.echoStream,
                                                   EchoRequest(count: 100_000, intervalMs: 5),
                                                   responseType: EchoResponse.self)
        var received = 0
        for try await _ in stream {
            received += 1
            if received == 3 { break }
        }
        #expect(received == 3)
        // The connection stays usable after the cancel.
        let reply = try await client.unary(DiagnosticsService.echo, EchoRequest(payload: [6]), responseType: EchoResponse.self)
        #expect(reply.payload == [6])
        client.close()
        await server.stop()
    }
}
