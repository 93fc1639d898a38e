import NIOCore
import SharewireMessages
import SharewireRPC
import SharewireWire
import Testing

@Suite(.timeLimit(.minutes(1)))
struct RobustnessTests {
    @Test func garbageClientIsDroppedOthersKeepWorking() async throws {
        let server = try await TestServer.start()
        let client = server.client()
        try await client.connect()
        var rng = SystemRandomNumberGenerator()
        for round in 0..<20 {
            try await RawConnection.with(port: server.port) { raw in
                var bytes = ByteBuffer()
                if round.isMultiple(of: 2) { bytes.writeImmutableBuffer(RawConnection.handshakeBytes()) }
                bytes.writeBytes((0..<512).map { _ in UInt8.random(in: 0...255, using: &rng) })
                try await raw.send(bytes)
                _ = try await raw.readUntilClosed()
                #expect(raw.closed)
            }
        }
        let reply = try await client.unary(DiagnosticsService.echo, EchoRequest(payload: [1, 2]), responseType: EchoResponse.self)
        #expect(reply.payload == [1, 2])
        client.close()
        await server.stop()
    }

    @Test func protocolViolationGetsGoAwayWithReason() async throws {
        let server = try await TestServer.start()
        try await RawConnection.with(port: server.port) { raw in
            var bytes = RawConnection.handshakeBytes()
            bytes.writeImmutableBuffer(RawConnection.requestBytes(streamID: 5, method: DiagnosticsService.echo.path, message: EchoRequest()))
            // Stream ids must increase: 3 after 5 is a violation.
            bytes.writeImmutableBuffer(RawConnection.requestBytes(streamID: 3, method: DiagnosticsService.echo.path, message: EchoRequest()))
            try await raw.send(bytes)
            let goAway = try #require(try await raw.readUntilClosed())
            #expect(goAway.code == StatusCode.internal.rawValue)
            #expect(goAway.reason.contains("stream id 3"))
            #expect(goAway.lastStreamID == 5)
        }
        await server.stop()
    }

    @Test func badMagicIsClosedWithoutAnswer() async throws {
        let server = try await TestServer.start()
        try await RawConnection.with(port: server.port) { raw in
            var bytes = ByteBuffer()
            bytes.writeString("GET / HTTP/1.1\r\n\r\n")
            try await raw.send(bytes)
            _ = try await raw.readUntilClosed()
            #expect(raw.events.isEmpty)
        }
        await server.stop()
    }

    @Test func clientDisconnectingMidCallCancelsHandler() async throws {
        let server = try await TestServer.start()
        let client = server.client()
        try await RawConnection.with(port: server.port) { raw in
            var bytes = RawConnection.handshakeBytes()
            bytes.writeImmutableBuffer(RawConnection.requestBytes(streamID: 1, method: TestMethods.block.path,
                                                          message: EchoRequest(payload: Array("gone".utf8))))
            try await raw.send(bytes)
            _ = try await raw.read { if case .frame(let f) = $0 { return f.type == .hello }; return false }
        }
        #expect(await server.probe.waitFor("started:gone"))
        #expect(await server.probe.waitFor("cancelled:gone"))
        let reply = try await client.unary(DiagnosticsService.echo, EchoRequest(payload: [3]), responseType: EchoResponse.self)
        #expect(reply.payload == [3])
        client.close()
        await server.stop()
    }

    @Test func oversizedRequestIsResourceExhaustedAndConnectionSurvives() async throws {
        let server = try await TestServer.start { $0.maxFrameSize = 1024; $0.maxMessageSize = 512 }
        try await RawConnection.with(port: server.port) { raw in
            var bytes = RawConnection.handshakeBytes()
            bytes.writeImmutableBuffer(RawConnection.requestBytes(streamID: 1, method: DiagnosticsService.echo.path,
                                                          message: EchoRequest(payload: Array(repeating: 1, count: 4000))))
            bytes.writeImmutableBuffer(RawConnection.requestBytes(streamID: 3, method: DiagnosticsService.echo.path,
                                                          message: EchoRequest(payload: Array(repeating: 2, count: 700))))
            bytes.writeImmutableBuffer(RawConnection.requestBytes(streamID: 5, method: DiagnosticsService.echo.path,
                                                          message: EchoRequest(payload: [42])))
            try await raw.send(bytes)
            for (stream, expected) in [(UInt32(1), "FRAME_TOO_LARGE"), (UInt32(3), "MESSAGE_TOO_LARGE")] {
                let frame = try #require(try await raw.read { $0.response(for: stream) != nil }?.response(for: stream))
                let head = try ResponseHead(buffer: HeadedPayload(splitting: frame.payload).head)
                #expect(head.code == StatusCode.resourceExhausted.rawValue)
                #expect(head.details.first?.reason == expected)
            }
            let ok = try #require(try await raw.read { $0.response(for: 5) != nil }?.response(for: 5))
            let parts = try HeadedPayload(splitting: ok.payload)
            #expect(parts.head.readableBytes == 0)
            #expect(try EchoResponse(buffer: parts.message).payload == [42])
        }
        await server.stop()
    }

    @Test func perConnectionCallLimit() async throws {
        let server = try await TestServer.start { $0.maxConcurrentCallsPerConnection = 2 }
        try await RawConnection.with(port: server.port) { raw in
            var bytes = RawConnection.handshakeBytes()
            for stream in [UInt32(1), 3, 5] {
                bytes.writeImmutableBuffer(RawConnection.requestBytes(streamID: stream, method: DiagnosticsService.echo.path,
                                                              message: EchoRequest(delayMs: 300)))
            }
            try await raw.send(bytes)
            let frame = try #require(try await raw.read { $0.response(for: 5) != nil }?.response(for: 5))
            let head = try ResponseHead(buffer: HeadedPayload(splitting: frame.payload).head)
            #expect(head.code == StatusCode.resourceExhausted.rawValue)
            #expect(head.details.first?.reason == "CONNECTION_CALL_LIMIT")
        }
        await server.stop()
    }

    @Test func connectionLimitAnswersGoAway() async throws {
        let server = try await TestServer.start { $0.maxConnections = 1 }
        let client = server.client()
        try await client.connect()
        try await RawConnection.with(port: server.port) { raw in
            try await raw.send(RawConnection.handshakeBytes())
            let goAway = try #require(try await raw.readUntilClosed())
            #expect(goAway.code == StatusCode.resourceExhausted.rawValue)
        }
        let reply = try await client.unary(DiagnosticsService.echo, EchoRequest(payload: [4]), responseType: EchoResponse.self)
        #expect(reply.payload == [4])
        client.close()
        await server.stop()
    }

    @Test func abusivePingsGetGoAway() async throws {
        let server = try await TestServer.start { $0.minPingInterval = .seconds(10); $0.maxPingStrikes = 2 }
        try await RawConnection.with(port: server.port) { raw in
            var bytes = RawConnection.handshakeBytes()
            for i in 0..<5 { bytes.writePing(.ping, opaque: UInt64(i)) }
            try await raw.send(bytes)
            let goAway = try #require(try await raw.readUntilClosed())
            #expect(goAway.code == StatusCode.resourceExhausted.rawValue)
            #expect(goAway.reason == "too_many_pings")
            let pongs = raw.events.filter { if case .frame(let f) = $0 { return f.type == .pong }; return false }
            #expect(pongs.count == 3)
        }
        await server.stop()
    }

    @Test func idleConnectionIsClosedAndClientReconnects() async throws {
        let server = try await TestServer.start { $0.idleTimeout = .milliseconds(200) }
        let client = server.client()
        _ = try await client.unary(DiagnosticsService.echo, EchoRequest(), responseType: EchoResponse.self)
        try await Task.sleep(for: .milliseconds(600))
        #expect(server.server.connectionCount == 0)
        let reply = try await client.unary(DiagnosticsService.echo, EchoRequest(payload: [5]), responseType: EchoResponse.self)
        #expect(reply.payload == [5])
        client.close()
        await server.stop()
    }
}
