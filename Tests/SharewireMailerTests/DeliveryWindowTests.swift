import Testing

@testable import SharewireMailer

@Suite struct DeliveryWindowTests {
    @Test func theCursorMovesOnlyThroughTheFinishedPrefix() {
        var w = DeliveryWindow(concurrency: 3, maximumSpan: 100, resumingAfter: 10)
        #expect(w.acknowledgeable == 10)
        for seq: UInt64 in [11, 12, 14] {  // sequences need not be contiguous
            #expect(w.canStart(seq))
            w.start(seq)
        }
        #expect(!w.canStart(15))  // three in flight
        #expect(w.acknowledgeable == 10)
        w.finish(14)  // out of order: the cursor may not pass 11
        #expect(w.acknowledgeable == 10)
        #expect(w.canStart(15))
        w.start(15)
        w.finish(11)
        #expect(w.acknowledgeable == 11)
        w.finish(12)
        #expect(w.acknowledgeable == 14)  // 13 does not exist: everything up to 15 (in flight) is done
        w.finish(15)
        #expect(w.acknowledgeable == 15)
        #expect(w.count == 0)
    }

    @Test func aStuckMessageBoundsHowFarOthersMayRunAhead() {
        var w = DeliveryWindow(concurrency: 4, maximumSpan: 3)
        w.start(1)  // stuck in retries
        w.start(2)
        w.finish(2)
        w.start(3)
        w.finish(3)
        #expect(!w.canStart(4))  // 4 − 1 = 3 is not below the span
        w.finish(1)
        #expect(w.canStart(4))
        #expect(w.acknowledgeable == 3)
    }

    @Test func anAbandonedMessageHoldsTheCursorBelowIt() {
        var w = DeliveryWindow(concurrency: 2, maximumSpan: 10)
        w.start(5)
        w.start(6)
        w.abandon(5)  // stopping while it waited out a backoff
        w.finish(6)
        #expect(w.count == 0)
        #expect(w.acknowledgeable == 4)  // a restart sends 5 (and 6 again)
    }

    @Test func concurrencyAndSpanAreAtLeastOne() {
        let w = DeliveryWindow(concurrency: 0, maximumSpan: 0)
        #expect(w.concurrency == 1 && w.maximumSpan == 1)
        #expect(w.canStart(1))
    }
}

@Suite struct DomainRateLimiterTests {
    typealias Limiter = DomainRateLimiter<ContinuousClock.Instant>

    @Test func aBurstGoesAtOnceThenOneEveryIntervalPerDomain() {
        let t0 = ContinuousClock.now
        var limiter = Limiter(rate: 10, burst: 2)
        #expect(limiter.reserve(domain: "example.com", now: t0) == .zero)
        #expect(limiter.reserve(domain: "EXAMPLE.com", now: t0) == .zero)  // domains compare case-insensitively
        #expect(limiter.reserve(domain: "example.com", now: t0) == .milliseconds(100))
        #expect(limiter.reserve(domain: "example.com", now: t0) == .milliseconds(200))  // queued behind it
        #expect(limiter.reserve(domain: "example.jp", now: t0) == .zero)  // another domain is not slowed
        // 300 ms later the two waiting ones have gone and one token is back.
        #expect(limiter.reserve(domain: "example.com", now: t0 + .milliseconds(300)) == .zero)
        #expect(limiter.reserve(domain: "example.com", now: t0 + .milliseconds(300)) == .milliseconds(100))
    }

    @Test func refillIsCappedAtTheBurst() {
        let t0 = ContinuousClock.now
        var limiter = Limiter(rate: 1, burst: 3)
        for _ in 0..<3 { #expect(limiter.reserve(domain: "a.test", now: t0) == .zero) }
        let later = t0 + .seconds(3600)
        for _ in 0..<3 { #expect(limiter.reserve(domain: "a.test", now: later) == .zero) }
        #expect(limiter.reserve(domain: "a.test", now: later) == .seconds(1))
    }

    @Test func noRateMeansNoLimit() {
        var limiter = Limiter(rate: nil)
        for _ in 0..<1000 { #expect(limiter.reserve(domain: "a.test", now: .now) == .zero) }
        #expect(Limiter(rate: 0).rate == nil)
    }

    @Test func domainsOfAddresses() {
        #expect(mailDomain(of: "Bob@Example.JP") == "example.jp")
        #expect(mailDomain(of: "\"a@b\"@c.test") == "c.test")
        #expect(mailDomain(of: "nobody") == "")
    }
}
