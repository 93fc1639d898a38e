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
            raw.closeAfter(.seconds(10))  // the idle timeout (300 s) would be far later
            var bytes = RawConnection.handshakeBytes()
            let request = RawConnection.requestBytes(streamID: 1, methodID: Sharewire_V1.Diagnostics.Method.Echo.descriptor.id,
                                                     message: EchoRequest(payload: [1, 2, 3]))
            // The header and one byte of the payload, then nothing.
            bytes.writeImmutableBuffer(request.getSlice(at: request.readerIndex, length: FrameHeader.size + 1)!)
            try await raw.send(bytes)
            return try await raw.readUntilClosed()
        }
        let elapsed = clock.now - started
        #expect(goAway?.code == StatusCode.deadlineExceeded.rawValue)
        #expect(goAway?.reason == "frame not completed within 300 ms")
        #expect(elapsed < .seconds(5))
        await server.stop()
    }

    @Test func aFrameDrippedFasterThanTheTimeoutIsServed() async throws {
        // 1.5 s leaves room for a loaded machine's late sleeps (400 ms was lost once at load 15).
        let frameTimeout = TimeAmount.milliseconds(1500)
        let server = try await TestServer.start { $0.frameTimeout = frameTimeout }
        try await RawConnection.with(port: server.port) { raw in
            raw.closeAfter(.seconds(10))
            try await raw.send(RawConnection.handshakeBytes())
            let request = RawConnection.requestBytes(streamID: 1, methodID: Sharewire_V1.Diagnostics.Method.Echo.descriptor.id,
                                                     message: EchoRequest(payload: [7]))
            // Two halves 100 ms apart: slow, but within the frame timeout.
            let half = request.readableBytes / 2
            try await raw.send(request.getSlice(at: request.readerIndex, length: half)!)
            try await Task.sleep(for: .milliseconds(100))
            try await raw.send(request.getSlice(at: request.readerIndex + half, length: request.readableBytes - half)!)
            let response = try await raw.read { $0.response(for: 1) != nil }
            #expect(response != nil)
            // Between frames the frame timeout does not run: still open after it. A real-time
            // wait, since the server's timers run on the event loop's clock (no manual clock yet).
            try await Task.sleep(for: .nanoseconds(frameTimeout.nanoseconds) + .milliseconds(500))
            try await raw.send(RawConnection.requestBytes(streamID: 3, methodID: Sharewire_V1.Diagnostics.Method.Echo.descriptor.id,
                                                          message: EchoRequest(payload: [8])))
            #expect(try await raw.read { $0.response(for: 3) != nil } != nil)
        }
        await server.stop()
    }

    @Test func aHalfClosingClientStillGetsTheResponsesOfRunningCalls() async throws {
        let server = try await TestServer.start()
        let (response, closed) = try await RawConnection.with(port: server.port) { raw in
            raw.closeAfter(.seconds(10))
            var bytes = RawConnection.handshakeBytes()
            bytes.writeImmutableBuffer(RawConnection.requestBytes(
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
            raw.closeAfter(.seconds(10))
            try await raw.send(RawConnection.handshakeBytes())
            _ = try await raw.read { if case let .frame(frame) = $0 { frame.type == .hello } else { false } }
            try await raw.closeOutput()
            #expect(try await raw.readUntilClosed() == nil)
        }
        #expect(clock.now - started < .seconds(5))
        await server.stop()
    }
}
