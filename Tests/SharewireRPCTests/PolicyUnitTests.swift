import NIOCore
import Testing

@testable import SharewireRPC

@Suite struct PingPolicerTests {
    let start = NIODeadline.uptimeNanoseconds(1_000_000_000)

    @Test func pingsFartherApartThanTheMinimumAreAllowed() {
        var policer = PingPolicer(minInterval: .seconds(10), maxStrikes: 2)
        for i in 0..<10 {
            #expect(policer.pingReceivedForTest(at: start + .seconds(Int64(i) * 10)) == .allow)
        }
        #expect(policer.strikes == 0)
    }

    @Test func thirdEarlyPingIsAbusive() {
        var policer = PingPolicer(minInterval: .seconds(10), maxStrikes: 2)
        #expect(policer.pingReceivedForTest(at: start) == .allow)
        #expect(policer.pingReceivedForTest(at: start + .seconds(1)) == .strike)
        #expect(policer.pingReceivedForTest(at: start + .seconds(2)) == .strike)
        #expect(policer.pingReceivedForTest(at: start + .seconds(3)) == .abusive)
    }

    @Test func respondingResetsStrikes() {
        var policer = PingPolicer(minInterval: .seconds(10), maxStrikes: 2)
        _ = policer.pingReceived(at: start)
        #expect(policer.pingReceivedForTest(at: start + .seconds(1)) == .strike)
        #expect(policer.pingReceivedForTest(at: start + .seconds(2)) == .strike)
        policer.responseSent()
        #expect(policer.pingReceivedForTest(at: start + .seconds(3)) == .strike)
        #expect(policer.strikes == 1)
    }

    @Test func exactlyTheMinimumIntervalIsAllowed() {
        var policer = PingPolicer(minInterval: .seconds(10), maxStrikes: 0)
        _ = policer.pingReceived(at: start)
        #expect(policer.pingReceivedForTest(at: start + .seconds(10)) == .allow)
        #expect(policer.pingReceivedForTest(at: start + .seconds(19)) == .abusive)
    }
}

@Suite struct FrameOutboxTests {
    @Test func batchesUntilTaken() {
        var outbox = FrameOutbox()
        let allocator = ByteBufferAllocator()
        outbox.append(allocator: allocator) { $0.writeInteger(UInt8(1)) }
        let needed = outbox.needsFlushTask()
        #expect(needed)
        outbox.append(allocator: allocator) { $0.writeInteger(UInt8(2)) }
        // One flush task covers everything appended in the same tick.
        let notNeeded = outbox.needsFlushTask()
        #expect(!notNeeded)
        let batch = outbox.take()
        #expect(batch?.readableBytesView.elementsEqual([1, 2]) == true)
        let rest = outbox.take()
        #expect(rest == nil)
    }

    @Test func readLoopDefersToReadComplete() {
        var outbox = FrameOutbox()
        outbox.inReadLoop = true
        outbox.append(allocator: ByteBufferAllocator()) { $0.writeInteger(UInt8(1)) }
        let notNeeded = outbox.needsFlushTask()
        #expect(!notNeeded)
        outbox.inReadLoop = false
        let needed = outbox.needsFlushTask()
        #expect(needed)
    }

    @Test func emptyOutboxNeedsNoFlush() {
        var outbox = FrameOutbox()
        let notNeeded = outbox.needsFlushTask()
        #expect(!notNeeded)
        let rest = outbox.take()
        #expect(rest == nil)
    }
}

@Suite struct ConnectionBackoffTests {
    @Test func growsExponentiallyUpToTheMaximum() {
        var backoff = ConnectionBackoff()
        backoff.jitter = 0
        var rng = SystemRandomNumberGenerator()
        #expect(backoff.delay(attempt: 1, using: &rng) == .milliseconds(100))
        #expect(backoff.delay(attempt: 2, using: &rng) == .milliseconds(160))
        #expect(backoff.delay(attempt: 3, using: &rng) == .milliseconds(256))
        #expect(backoff.delay(attempt: 50, using: &rng) == .seconds(10))
    }

    @Test func jitterStaysWithinBounds() {
        let backoff = ConnectionBackoff()
        var rng = SystemRandomNumberGenerator()
        for attempt in 1...20 {
            var exact = backoff
            exact.jitter = 0
            let base = Double(exact.delay(attempt: attempt, using: &rng).nanoseconds)
            let jittered = Double(backoff.delay(attempt: attempt, using: &rng).nanoseconds)
            #expect(jittered >= base * 0.8 - 1 && jittered <= base * 1.2 + 1)
        }
    }
}

@Suite struct StatusCodeTests {
    @Test func wireValuesMapToGRPCCodes() {
        #expect(StatusCode.allCases.count == 17)
        #expect(StatusCode(wireValue: 14) == .unavailable)
        #expect(StatusCode(wireValue: 99) == .unknown)
        #expect(StatusCode.resourceExhausted.description == "RESOURCE_EXHAUSTED")
    }
}

extension PingPolicer {
    /// `#expect` cannot call a mutating method; this wrapper can be.
    mutating func pingReceivedForTest(at now: NIODeadline) -> Verdict { pingReceived(at: now) }
}
