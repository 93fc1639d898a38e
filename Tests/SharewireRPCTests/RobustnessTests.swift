import NIOCore
import SharewireMessages
import SharewireRPC
import SharewireTestSupport
import SharewireWire
import Testing

@Suite(.timeLimit(.minutes(1)))
struct RobustnessTests {
    @Test func garbageClientIsDroppedOthersKeepWorking() async throws {
        let observer = RecordingObserver()
        let server = try await TestServer.start { $0.observer = observer }
        let client = server.client()
        try await client.connect()
        var rng = SystemRandomNumberGenerator()
        // Random bytes after a valid handshake can form a plausible header
        // whose payload never comes; such a peer is only reaped by the idle
        // timeout, so each garbage client sends and then hangs up itself.
        for round in 0..<20 {
            try await RawConnection.with(port: server.port) { raw in
                var bytes = ByteBuffer()
                if round.isMultiple(of: 2) { bytes.writeImmutableBuffer(RawConnection.handshakeBytes()) }
                bytes.writeBytes((0..<512).map { _ in UInt8.random(in: 0...255, using: &rng) })
                try await raw.send(bytes)
            }
            let reply = try await client.unary(
                Sharewire_V1.Diagnostics.Method.Echo.descriptor, EchoRequest(payload: [UInt8(round)]),
                responseType: EchoResponse.self)
            #expect(reply.payload == [UInt8(round)])
        }
        // Every garbage connection is gone (woken by the observer's close
        // reports, bounded); only the good client remains.
        #expect(await observer.closedEvents.wait(atLeast: 20, timeout: .seconds(10)))
        #expect(server.server.connectionCount == 1)
        client.close()
        await server.stop()
    }

    @Test func protocolViolationGetsGoAwayWithReason() async throws {
        let server = try await TestServer.start()
        try await RawConnection.with(port: server.port) { raw in
            var bytes = RawConnection.handshakeBytes()
            bytes.writeImmutableBuffer(
                RawConnection.requestBytes(
                    streamID: 5, method: Sharewire_V1.Diagnostics.Method.Echo.descriptor.path, message: EchoRequest()))
            // Stream ids must increase: 3 after 5 is a violation.
            bytes.writeImmutableBuffer(
                RawConnection.requestBytes(
                    streamID: 3, method: Sharewire_V1.Diagnostics.Method.Echo.descriptor.path, message: EchoRequest()))
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
            bytes.writeImmutableBuffer(
                RawConnection.requestBytes(
                    streamID: 1, method: TestMethods.block.path,
                    message: EchoRequest(payload: Array("gone".utf8))))
            try await raw.send(bytes)
            _ = try await raw.read {
                if case .frame(let f) = $0 { return f.type == .hello }
                return false
            }
        }
        #expect(await server.probe.waitFor("started:gone"))
        #expect(await server.probe.waitFor("cancelled:gone"))
        let reply = try await client.unary(
            Sharewire_V1.Diagnostics.Method.Echo.descriptor, EchoRequest(payload: [3]), responseType: EchoResponse.self)
        #expect(reply.payload == [3])
        client.close()
        await server.stop()
    }

    @Test func oversizedRequestIsResourceExhaustedAndConnectionSurvives() async throws {
        let server = try await TestServer.start {
            $0.maxFrameSize = 1024
            $0.maxMessageSize = 512
        }
        try await RawConnection.with(port: server.port) { raw in
            var bytes = RawConnection.handshakeBytes()
            bytes.writeImmutableBuffer(
                RawConnection.requestBytes(
                    streamID: 1, method: Sharewire_V1.Diagnostics.Method.Echo.descriptor.path,
                    message: EchoRequest(payload: Array(repeating: 1, count: 4000))))
            bytes.writeImmutableBuffer(
                RawConnection.requestBytes(
                    streamID: 3, method: Sharewire_V1.Diagnostics.Method.Echo.descriptor.path,
                    message: EchoRequest(payload: Array(repeating: 2, count: 700))))
            bytes.writeImmutableBuffer(
                RawConnection.requestBytes(
                    streamID: 5, method: Sharewire_V1.Diagnostics.Method.Echo.descriptor.path,
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
                bytes.writeImmutableBuffer(
                    RawConnection.requestBytes(
                        streamID: stream, method: Sharewire_V1.Diagnostics.Method.Echo.descriptor.path,
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
        let reply = try await client.unary(
            Sharewire_V1.Diagnostics.Method.Echo.descriptor, EchoRequest(payload: [4]), responseType: EchoResponse.self)
        #expect(reply.payload == [4])
        client.close()
        await server.stop()
    }

    @Test func abusivePingsGetGoAway() async throws {
        let server = try await TestServer.start {
            $0.minPingInterval = .seconds(10)
            $0.maxPingStrikes = 2
        }
        try await RawConnection.with(port: server.port) { raw in
            var bytes = RawConnection.handshakeBytes()
            for i in 0..<5 { bytes.writePing(.ping, opaque: UInt64(i)) }
            try await raw.send(bytes)
            let goAway = try #require(try await raw.readUntilClosed())
            #expect(goAway.code == StatusCode.resourceExhausted.rawValue)
            #expect(goAway.reason == "too_many_pings")
            let pongs = raw.events.filter {
                if case .frame(let f) = $0 { return f.type == .pong }
                return false
            }
            #expect(pongs.count == 3)
        }
        await server.stop()
    }

    @Test func idleConnectionIsClosedAndClientReconnects() async throws {
        // 2 s: on a machine loaded by parallel suites a new connection can sit
        // for a second between its handshake and its first call.
        let observer = RecordingObserver()
        let server = try await TestServer.start {
            $0.idleTimeout = .seconds(2)
            $0.observer = observer
        }
        let client = server.client()
        // A connection may still close as idle before a starved test sends its
        // call, or the client may send on a connection it has not yet seen
        // close: such a call is refused as not processed, which a client may
        // always retry (docs/PROTOCOL.md §9.3). Allow a few refusals; anything
        // else, or five in a row, fails.
        func echo(_ payload: UInt8) async throws {
            for attempt in 1...5 {
                do {
                    let reply = try await client.unary(
                        Sharewire_V1.Diagnostics.Method.Echo.descriptor, EchoRequest(payload: [payload]),
                        responseType: EchoResponse.self)
                    #expect(reply.payload == [payload])
                    return
                } catch {
                    guard error.notProcessed, attempt < 5 else { throw error }
                }
            }
        }
        try await echo(4)
        // Wait for the idle close of every connection opened so far (woken by
        // the observer's close reports, bounded: on a loaded machine the
        // housekeeping tick can run late).
        #expect(await observer.closedEvents.wait(atLeast: observer.connections.opened, timeout: .seconds(15)))
        #expect(server.server.connectionCount == 0)
        let clock = ContinuousClock()
        let end = clock.now + .seconds(15)
        // Then until the client has seen the close (bounded): its next call
        // makes a new connection instead of going to the closing one.
        while client.readiness == .ready, clock.now < end { try await Task.sleep(for: .milliseconds(20)) }
        try await echo(5)
        client.close()
        await server.stop()
    }
}

@Suite(.timeLimit(.minutes(1)))
struct HandshakeAndLifetimeTests {
    @Test func silentPeerIsClosedAfterHandshakeTimeout() async throws {
        let server = try await TestServer.start { $0.handshakeTimeout = .milliseconds(200) }
        let clock = ContinuousClock()
        let start = clock.now
        try await RawConnection.with(port: server.port) { raw in
            _ = try await raw.readUntilClosed()
            #expect(raw.events.isEmpty)
        }
        // Far below the idle timeout a missing handshake timeout would wait for.
        #expect(clock.now - start < .seconds(20))
        await server.stop()
    }

    @Test func unsupportedMajorVersionGetsPrefaceAndGoAway() async throws {
        let server = try await TestServer.start()
        try await RawConnection.with(port: server.port) { raw in
            var bytes = ByteBuffer()
            Preface(major: 2, minor: 0).write(to: &bytes)
            try await raw.send(bytes)
            // GOAWAY takes HELLO's place here, so parse the bytes by hand.
            var answer = try await raw.readAllBytes()
            let preface = answer.readBytes(length: 8)
            #expect(preface == [0x53, 0x48, 0x57, 0x52, 0x0D, 0x0A, 1, 0])
            let header = answer.readMultipleIntegers(as: (UInt32, UInt8, UInt8, UInt32).self)
            #expect(header?.1 == FrameType.goAway.rawValue)
            #expect(header?.2 == 0)
            #expect(header?.3 == 0)
            let payload = answer.readSlice(length: Int(header?.0 ?? 0))
            let goAway = try GoAway(buffer: try #require(payload))
            #expect(goAway.code == StatusCode.unimplemented.rawValue)
            #expect(goAway.reason.contains("unsupported protocol version 2.0"))
            #expect(answer.readableBytes == 0)
        }
        await server.stop()
    }

    @Test func unavailableIsReservedForUnprocessedCalls() async throws {
        let server = try await TestServer.start()
        let client = server.client()
        let error = await #expect(throws: RPCError.self) {
            _ = try await client.unary(
                Sharewire_V1.Diagnostics.Method.Echo.descriptor, EchoRequest(failCode: StatusCode.unavailable.rawValue),
                responseType: EchoResponse.self)
        }
        #expect(error?.code == .invalidArgument)
        #expect(error?.details.first?.reason == "RESERVED_STATUS")
        client.close()
        await server.stop()
    }
}

@Suite(.timeLimit(.minutes(1)))
struct ClientFrameLimitTests {
    @Test func errorHeadTooLargeForTheClientIsShortenedNotDropped() async throws {
        let server = try await TestServer.start()
        try await RawConnection.with(port: server.port) { raw in
            var bytes = RawConnection.handshakeBytes(maxFrameSize: 256)
            let longMessage = String(repeating: "x", count: 1000)
            bytes.writeImmutableBuffer(
                RawConnection.requestBytes(
                    streamID: 1, method: Sharewire_V1.Diagnostics.Method.Echo.descriptor.path,
                    message: EchoRequest(failCode: StatusCode.aborted.rawValue, failMessage: longMessage)))
            bytes.writeImmutableBuffer(
                RawConnection.requestBytes(
                    streamID: 3, method: Sharewire_V1.Diagnostics.Method.Echo.descriptor.path,
                    message: EchoRequest(failCode: StatusCode.aborted.rawValue, failMessage: "short")))
            try await raw.send(bytes)
            let long = try #require(try await raw.read { $0.response(for: 1) != nil }?.response(for: 1))
            #expect(long.payload.readableBytes <= 256)
            let longHead = try ResponseHead(buffer: HeadedPayload(splitting: long.payload).head)
            #expect(longHead.code == StatusCode.aborted.rawValue)
            #expect(longHead.message.hasPrefix("status of "))
            #expect(longHead.message.hasSuffix("exceeds the client's max_frame_size of 256"))
            let short = try #require(try await raw.read { $0.response(for: 3) != nil }?.response(for: 3))
            let shortHead = try ResponseHead(buffer: HeadedPayload(splitting: short.payload).head)
            #expect(shortHead.code == StatusCode.aborted.rawValue)
            #expect(shortHead.message == "short")
        }
        await server.stop()
    }
}
