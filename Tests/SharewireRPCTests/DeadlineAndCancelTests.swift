import NIOCore
import SharewireMessages
import SharewireRPC
import SharewireTestSupport
import SharewireWire
import Testing

@Suite(.timeLimit(.minutes(1)))
struct DeadlineAndCancelTests {
    @Test func deadlineExpiresOnClientAndInHandler() async throws {
        let server = try await TestServer.start()
        let client = server.client()
        let clock = ContinuousClock()
        let start = clock.now
        let error = await #expect(throws: RPCError.self) {
            _ = try await client.unary(
                TestMethods.block, EchoRequest(payload: Array("deadline".utf8)),
                timeout: .milliseconds(100), responseType: EchoResponse.self)
        }
        let elapsed = clock.now - start
        #expect(error?.code == .deadlineExceeded)
        #expect(elapsed >= .milliseconds(100))
        #expect(elapsed < .seconds(20))  // the deadline, not the blocked handler (never)
        // The server enforces the same deadline: the handler is cancelled.
        #expect(await server.probe.waitFor("cancelled:deadline"))
        client.close()
        await server.stop()
    }

    @Test func serverEnforcesDeadlineSentOnTheWire() async throws {
        let server = try await TestServer.start()
        // A raw client that never cancels: only the server's timer can end it.
        try await RawConnection.with(port: server.port) { raw in
            try await raw.send(RawConnection.handshakeBytes())
            try await raw.send(
                RawConnection.requestBytes(
                    streamID: 1, method: TestMethods.block.path,
                    message: EchoRequest(payload: Array("wire".utf8)),
                    timeoutMicros: 50_000))
            let event = try await raw.read { $0.response(for: 1) != nil }
            let frame = try #require(event?.response(for: 1))
            let head = try ResponseHead(buffer: HeadedPayload(splitting: frame.payload).head)
            #expect(head.code == StatusCode.deadlineExceeded.rawValue)
        }
        #expect(await server.probe.waitFor("cancelled:wire"))
        await server.stop()
    }

    /// The deadline timer is armed only once the handler first suspends (a
    /// handler that never suspends needs none); a deadline that passed while
    /// the handler ran synchronously still ends the call.
    @Test func deadlinePassedBeforeTheHandlerSuspendsStillEndsTheCall() async throws {
        let server = try await TestServer.start()
        try await RawConnection.with(port: server.port) { raw in
            try await raw.send(RawConnection.handshakeBytes())
            try await raw.send(
                RawConnection.requestBytes(
                    streamID: 1, method: TestMethods.spinThenBlock.path,
                    message: EchoRequest(payload: Array("spin".utf8), delayMs: 80),
                    timeoutMicros: 20_000))
            let event = try await raw.read { $0.response(for: 1) != nil }
            let frame = try #require(event?.response(for: 1))
            let head = try ResponseHead(buffer: HeadedPayload(splitting: frame.payload).head)
            #expect(head.code == StatusCode.deadlineExceeded.rawValue)
        }
        #expect(await server.probe.waitFor("cancelled:spin"))
        await server.stop()
    }

    /// A handler that said what it waits for gets that answer the moment
    /// its deadline passes, however long it takes to stop: the typed answer
    /// never races the generic one.
    @Test func anExplainedDeadlineIsAnsweredAtOnceWithTheExplanation() async throws {
        let server = try await TestServer.start()
        let clock = ContinuousClock()
        try await RawConnection.with(port: server.port) { raw in
            try await raw.send(RawConnection.handshakeBytes())
            let started = clock.now
            try await raw.send(
                RawConnection.requestBytes(
                    streamID: 1, method: TestMethods.explainedWait.path,
                    message: EchoRequest(payload: Array("rev".utf8)),
                    timeoutMicros: 50_000))
            let event = try await raw.read { $0.response(for: 1) != nil }
            let elapsed = clock.now - started
            let frame = try #require(event?.response(for: 1))
            let head = try ResponseHead(buffer: HeadedPayload(splitting: frame.payload).head)
            #expect(head.code == StatusCode.deadlineExceeded.rawValue)
            #expect(head.details.first?.reason == "TEST_WAIT")
            #expect(head.details.first?.subject == "rev")
            #expect(head.message == "waiting for rev")
            #expect(elapsed < .seconds(2), "answered after \(elapsed), not at the deadline")
            // The handler, still waiting past its deadline, is let go; its late
            // result is dropped, and the connection serves on.
            server.probe.record("release:rev")
            #expect(await server.probe.waitFor("ended:rev"))
            try await raw.send(
                RawConnection.requestBytes(
                    streamID: 3, method: Sharewire_V1.Diagnostics.Method.Echo.descriptor.path,
                    message: EchoRequest(payload: [7])))
            let next = try #require(try await raw.read { $0.response(for: 3) != nil }?.response(for: 3))
            #expect(
                try ResponseHead(buffer: HeadedPayload(splitting: next.payload).head).code == StatusCode.ok.rawValue)
        }
        await server.stop()
    }

    @Test func cancellingTheTaskCancelsTheHandler() async throws {
        let server = try await TestServer.start()
        let client = server.client()
        let call = Task {
            try await client.unary(
                TestMethods.block, EchoRequest(payload: Array("cancel".utf8)),
                responseType: EchoResponse.self)
        }
        #expect(await server.probe.waitFor("started:cancel"))
        call.cancel()
        let result = await call.result
        #expect(throws: RPCError.self) { try result.get() }
        if case let .failure(error as RPCError) = result { #expect(error.code == .cancelled) }
        #expect(await server.probe.waitFor("cancelled:cancel"))
        // The connection keeps working after a cancel.
        let reply = try await client.unary(
            Sharewire_V1.Diagnostics.Method.Echo.descriptor, EchoRequest(payload: [9]), responseType: EchoResponse.self)
        #expect(reply.payload == [9])
        client.close()
        await server.stop()
    }
}
