import Testing

@testable import SharewireLoad

/// `WakePlan` against a manual clock: no sleeps, no event loop.
@Suite struct WakePlanTests {
    @Test func nothingPendingNeedsNoTimer() {
        var plan = WakePlan(spinNanos: 10_000)
        #expect(plan.decide(now: 0, next: nil) == .wait)
        #expect(plan.armed.isEmpty)
    }

    @Test func aFarSendArmsOneTimerAtItsExactTime() {
        var plan = WakePlan(spinNanos: 10_000)
        #expect(plan.decide(now: 0, next: 50_000) == .arm(at: 50_000))
        #expect(plan.armed == [50_000])
        // Asked again before it fires (a response came in): no second timer.
        #expect(plan.decide(now: 20_000, next: 50_000, spinAllowed: false) == .sleepOnArmed(at: 50_000))
        #expect(plan.armed == [50_000])
    }

    @Test func aNearSendIsSpunForNeverSentEarly() {
        var plan = WakePlan(spinNanos: 10_000)
        // 8 µs ahead: within the budget; the spin ends at the send's own time.
        #expect(plan.decide(now: 42_000, next: 50_000) == .spin(until: 50_000))
        // 10.001 µs ahead: a timer.
        #expect(plan.decide(now: 39_999, next: 50_000) == .arm(at: 50_000))
        // One spin per wake-up.
        var second = WakePlan(spinNanos: 10_000)
        #expect(second.decide(now: 45_000, next: 50_000, spinAllowed: false) == .arm(at: 50_000))
    }

    @Test func aSendAlreadyDueIsNotSpunFor() {
        // The worker sends everything due before asking; a past time here
        // means it could not (the in-flight cap): a timer, not a spin.
        var plan = WakePlan(spinNanos: 10_000)
        #expect(plan.decide(now: 50_000, next: 50_000) == .arm(at: 50_000))
    }

    @Test func zeroBudgetNeverSpins() {
        var plan = WakePlan(spinNanos: 0)
        #expect(plan.decide(now: 49_999, next: 50_000) == .arm(at: 50_000))
    }

    @Test func anEarlierSendArmsAnEarlierTimerAndTheLaterOneStays() {
        var plan = WakePlan(spinNanos: 0)
        #expect(plan.decide(now: 0, next: 1_000_000) == .arm(at: 1_000_000))
        #expect(plan.decide(now: 0, next: 200_000) == .arm(at: 200_000))
        // The next timer is always the earliest pending time.
        #expect(plan.armed == [200_000, 1_000_000])
        plan.fired(200_000)
        #expect(plan.armed == [1_000_000])
        // The stale later timer covers a send at or after it; it is not re-armed.
        #expect(plan.decide(now: 200_000, next: 1_500_000) == .sleepOnArmed(at: 1_000_000))
        plan.fired(1_000_000)
        #expect(plan.decide(now: 1_000_000, next: 1_500_000) == .arm(at: 1_500_000))
    }

    @Test func aTimerThatFiresAfterASpinIsNotReplaced() {
        var plan = WakePlan(spinNanos: 10_000)
        #expect(plan.decide(now: 0, next: 50_000) == .arm(at: 50_000))
        // A response at 45 µs: the 50 µs send is spun for and sent…
        #expect(plan.decide(now: 45_000, next: 50_000) == .spin(until: 50_000))
        // …and the timer armed for it (now in the past) still covers the next
        // send: it fires in this same loop tick and arms the next one then.
        #expect(plan.decide(now: 50_000, next: 100_000, spinAllowed: false) == .sleepOnArmed(at: 50_000))
        plan.fired(50_000)
        #expect(plan.decide(now: 50_001, next: 100_000) == .arm(at: 100_000))
        plan.cancelAll()
        #expect(plan.armed.isEmpty)
    }

    /// A whole schedule on a manual clock: every send goes out at or after its
    /// intended time, every wake-up sends all that is due, and the timer
    /// armed is the next intended time.
    @Test func scheduleDrivenByWakeUpsIsExact() {
        let intended: [Int64] = (0..<200).map { Int64($0) * 50_000 + ($0 % 3 == 0 ? 3_000 : 0) }
        var plan = WakePlan(spinNanos: 10_000)
        var nextIndex = 0
        var sentAt: [Int64] = []
        // Responses wake the worker 43 µs or 20 µs after each send: near the
        // next send (a spin) or far from it (a timer).
        var wakeUps: [Int64] = [0]
        var timers: [Int64] = []
        while let now0 = (wakeUps + timers).min() {
            wakeUps.removeAll { $0 == now0 }
            if timers.contains(now0) {
                timers.removeAll { $0 == now0 }
                plan.fired(now0)
            }
            var now = now0
            var spun = false
            while true {
                while nextIndex < intended.count, intended[nextIndex] <= now {
                    sentAt.append(now)
                    wakeUps.append(now + (nextIndex % 2 == 0 ? 43_000 : 20_000))
                    nextIndex += 1
                }
                let next = nextIndex < intended.count ? intended[nextIndex] : nil
                switch plan.decide(now: now, next: next, spinAllowed: !spun) {
                case .wait, .sleepOnArmed: break
                case let .arm(at):
                    #expect(at == next)
                    timers.append(at)
                case let .spin(until):
                    #expect(until - now <= 10_000)
                    now = until
                    spun = true
                    continue
                }
                break
            }
        }
        // Every send at exactly its time: never early, never late.
        #expect(sentAt == intended)
        // Timers were armed only for the sends not spun for.
        #expect(plan.armed.isEmpty)
    }
}
