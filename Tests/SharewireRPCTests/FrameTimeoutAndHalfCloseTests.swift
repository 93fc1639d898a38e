import NIOCore
import SharewireMessages
import SharewireRPC
import SharewireTestSupport
import SharewireWire
import Testing

/// A peer that stalls inside a frame loses its connection after the frame
/// timeout, and a peer that half-closes still gets its answers.
@Suite(.timeLimit(.minutes(1)))
struct FrameTimeoutAndHalfCloseTests {
    @Test func aFrameStalledPartWayIsClosedAfterTheFrameTimeout() async throws {
        let server = try await TestServer.start { $0.frameTimeout = .milliseconds(300) }
        let clock = ContinuousClock()
        let started = clock.now
        let goAway = try await RawConnection.with(port: server.port) { raw in
            raw.closeAfter(.seconds(30))  // the idle timeout (300 s) would be far later
            var bytes = RawConnection.handshakeBytes()
            let request = RawConnection.requestBytes(
                streamID: 1, methodID: Sharewire_V1.Diagnostics.Method.Echo.descriptor.id,
                message: EchoRequest(payload: [1, 2, 3]))
            // The header and one byte of the payload, then nothing.
            bytes.writeImmutableBuffer(request.getSlice(at: request.readerIndex, length: FrameHeader.size + 1)!)
            try await raw.send(bytes)
            return try await raw.readUntilClosed()
        }
        let elapsed = clock.now - started
        #expect(goAway?.code == StatusCode.deadlineExceeded.rawValue)
        #expect(goAway?.reason == "frame not completed within 300 ms")
        #expect(elapsed < .seconds(20))  // not the 30 s fallback close
        await server.stop()
    }

    @Test func aHalfClosingClientStillGetsTheResponsesOfRunningCalls() async throws {
        let server = try await TestServer.start()
        let (response, closed) = try await RawConnection.with(port: server.port) { raw in
            raw.closeAfter(.seconds(30))
            var bytes = RawConnection.handshakeBytes()
            bytes.writeImmutableBuffer(
                RawConnection.requestBytes(
                    streamID: 1, methodID: Sharewire_V1.Diagnostics.Method.Echo.descriptor.id,
                    message: EchoRequest(payload: Array("late".utf8), delayMs: 300)))
            try await raw.send(bytes)
            try await raw.closeOutput()
            let response = try await raw.read { $0.response(for: 1) != nil }?.response(for: 1)
            // With no call left the server closes the connection itself.
            let goAway = try await raw.readUntilClosed()
            return (response, goAway == nil && raw.closed)
        }
        let frame = try #require(response)
        let payload = try HeadedPayload(splitting: frame.payload)
        #expect(try ResponseHead(buffer: payload.head).code == StatusCode.ok.rawValue)
        #expect(try EchoResponse(buffer: payload.message).payload == Array("late".utf8))
        #expect(closed)
        await server.stop()
    }

    @Test func aHalfCloseWithNoCallRunningClosesAtOnce() async throws {
        let server = try await TestServer.start()
        let clock = ContinuousClock()
        let started = clock.now
        try await RawConnection.with(port: server.port) { raw in
            raw.closeAfter(.seconds(30))
            try await raw.send(RawConnection.handshakeBytes())
            _ = try await raw.read { if case let .frame(frame) = $0 { frame.type == .hello } else { false } }
            try await raw.closeOutput()
            #expect(try await raw.readUntilClosed() == nil)
        }
        #expect(clock.now - started < .seconds(20))  // not the 30 s fallback close
        await server.stop()
    }
}
