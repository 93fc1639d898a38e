import NIOCore
import Testing

@testable import SharewireRPC

/// ``TokenBucket`` and ``PeerFailureTable`` on a manual clock.
@Suite struct AuthLimitingUnitTests {
    let t0 = NIODeadline.uptimeNanoseconds(1_000_000_000)

    /// The outcomes of `take` at each time, in order (outside `#expect`,
    /// which cannot call a mutating method).
    func takes(_ bucket: inout TokenBucket, _ times: [NIODeadline]) -> [Bool] {
        times.map { bucket.take(at: $0) }
    }

    @Test func bucketSpendsItsBurstThenRefillsAtItsRate() {
        var bucket = TokenBucket(capacity: 3, refillPerSecond: 0.5, now: t0)
        #expect(bucket.isFull(at: t0))
        let burst = takes(&bucket, [t0, t0, t0, t0])
        #expect(burst == [true, true, true, false])
        #expect(bucket.isEmpty(at: t0))
        #expect(bucket.timeUntilToken(at: t0) == .seconds(2))
        // One token every 2 s: not yet at 1.999 s, one at 2 s, then empty again.
        let refilled = takes(&bucket, [t0 + .milliseconds(1999), t0 + .seconds(2), t0 + .seconds(2)])
        #expect(refilled == [false, true, false])
        // Never more than the capacity, however long it waits.
        #expect(bucket.isFull(at: t0 + .seconds(3600)))
        let later = t0 + .seconds(3600)
        let capped = takes(&bucket, [later, later, later, later])
        #expect(capped == [true, true, true, false])
    }

    @Test func aClockGoingBackwardsEarnsNothing() {
        var bucket = TokenBucket(capacity: 1, refillPerSecond: 100, now: t0 + .seconds(10))
        let outcomes = takes(&bucket, [t0 + .seconds(10), t0, t0 + .seconds(10)])
        #expect(outcomes == [true, false, false])
    }

    @Test func aPeerIsLimitedOnceItsBurstIsSpentAndRecovers() {
        var limits = AuthFailureLimits()
        limits.peerBurst = 4
        limits.peerRefillPerSecond = 1
        var table = PeerFailureTable(limits: limits)
        #expect(!table.isLimited("10.0.0.1", at: t0))
        let failures = (0..<4).map { _ in table.recordFailure("10.0.0.1", at: t0) }
        #expect(failures == [true, true, true, true])
        #expect(table.isLimited("10.0.0.1", at: t0))
        #expect(table.retryAfter("10.0.0.1", at: t0) == .seconds(1))
        let overLimit = table.recordFailure("10.0.0.1", at: t0)
        #expect(!overLimit)
        // Other addresses are not affected.
        #expect(!table.isLimited("10.0.0.2", at: t0))
        #expect(!table.isLimited("10.0.0.1", at: t0 + .seconds(1)))
    }

    @Test func theTableStaysBoundedForgettingRefilledPeersFirst() {
        var limits = AuthFailureLimits()
        limits.peerBurst = 2
        limits.peerRefillPerSecond = 1
        limits.maxTrackedPeers = 3
        var table = PeerFailureTable(limits: limits)
        _ = table.recordFailure("a", at: t0)  // refilled by t0 + 1 s
        _ = table.recordFailure("b", at: t0 + .seconds(1))
        _ = table.recordFailure("b", at: t0 + .seconds(1))
        _ = table.recordFailure("c", at: t0 + .seconds(1))
        _ = table.recordFailure("c", at: t0 + .seconds(1))
        _ = table.recordFailure("d", at: t0 + .seconds(1))
        #expect(Set(table.buckets.keys) == ["b", "c", "d"])
        #expect(table.isLimited("b", at: t0 + .seconds(1)))
        // None refilled: the least recently failed goes.
        _ = table.recordFailure("c", at: t0 + .milliseconds(1200))
        _ = table.recordFailure("d", at: t0 + .milliseconds(1300))
        _ = table.recordFailure("e", at: t0 + .milliseconds(1400))
        #expect(Set(table.buckets.keys) == ["c", "d", "e"])
        #expect(table.buckets.count == 3)
    }

    @Test func peersAreKeyedByIPv4AddressAndIPv6Slash64() throws {
        #expect(PeerFailureTable.key(for: try SocketAddress(ipAddress: "192.0.2.7", port: 1)) == "192.0.2.7")
        #expect(PeerFailureTable.key(for: try SocketAddress(ipAddress: "192.0.2.7", port: 2)) == "192.0.2.7")
        let a = PeerFailureTable.key(for: try SocketAddress(ipAddress: "2001:db8:1:2::1", port: 1))
        let b = PeerFailureTable.key(for: try SocketAddress(ipAddress: "2001:db8:1:2:ffff::9", port: 1))
        let c = PeerFailureTable.key(for: try SocketAddress(ipAddress: "2001:db8:1:3::1", port: 1))
        #expect(a == b)
        #expect(a != c)
        #expect(a.hasSuffix("::/64"))
        #expect(PeerFailureTable.key(for: nil) == "unknown")
    }
}
