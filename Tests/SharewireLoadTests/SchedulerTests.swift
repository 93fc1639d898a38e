import Testing

@testable import SharewireLoad

/// The open-loop scheduler meets its timing, on a virtual clock.
@Suite struct SchedulerTests {
    /// Drives a scheduler on a virtual clock in `step`-ns increments with
    /// calls completing instantly; returns the intended times of the sends.
    func drive(_ scheduler: inout LoadScheduler, until end: Int64, step: Int64) -> [Int64] {
        var sends: [Int64] = []
        var t: Int64 = 0
        while t <= end {
            while let send = scheduler.nextSend(now: t, inFlight: 0) { sends.append(send.intended) }
            t += step
        }
        return sends
    }

    @Test func constantRateGivesTheExpectedCount() {
        // 1,000/s for 2 s: exactly 2,000 sends, evenly 1 ms apart.
        let schedule = ArrivalSchedule(profile: .constant(1_000), process: .constant, endSeconds: 2)
        var scheduler = LoadScheduler(
            mode: .open(schedule), maxInFlight: 10, measureFrom: 0, endNanos: 2_000_000_000,
            requestLimit: nil)
        let sends = drive(&scheduler, until: 2_000_000_000, step: 100_000)
        #expect(sends.count == 2_000)
        let gaps = zip(sends.dropFirst(), sends).map { $0 - $1 }
        #expect(gaps.allSatisfy { abs($0 - 1_000_000) <= 1 })
        #expect(scheduler.isExhausted)
    }

    @Test func workersInterleaveToTheTotalRate() {
        // 4 workers at 10,000/s total for 1 s: 10,000 sends, 100 µs apart overall.
        var all: [Int64] = []
        for w in 0..<4 {
            var s = ArrivalSchedule(
                profile: .constant(10_000), process: .constant, endSeconds: 1, worker: w, workers: 4)
            while let t = s.next() { all.append(Int64((t * 1e9).rounded())) }
        }
        all.sort()
        #expect(all.count == 10_000)
        let gaps = zip(all.dropFirst(), all).map { $0 - $1 }
        #expect(gaps.allSatisfy { abs($0 - 100_000) <= 2 })
    }

    @Test func poissonRateIsWithinTolerance() {
        // 5,000/s for 10 s: 50,000 expected; a Poisson count's sd is ~224, allow 1%.
        var schedule = ArrivalSchedule(profile: .constant(5_000), process: .poisson, endSeconds: 10, seed: 42)
        var count = 0
        var previous = 0.0
        while let t = schedule.next() {
            #expect(t >= previous)
            previous = t
            count += 1
        }
        #expect(abs(count - 50_000) < 500)
        // Same seed, same schedule.
        var a = ArrivalSchedule(profile: .constant(5_000), process: .poisson, endSeconds: 1, seed: 7)
        var b = ArrivalSchedule(profile: .constant(5_000), process: .poisson, endSeconds: 1, seed: 7)
        for _ in 0..<100 { #expect(a.next() == b.next()) }
    }

    @Test func rampStagesIntegrateTheRate() throws {
        // 0 -> 1,000/s over 2 s (1,000 arrivals), then 1,000/s for 1 s more.
        let profile = RateProfile(startRate: 0, stages: [RateStage(seconds: 2, targetRate: 1_000)])
        #expect(abs(profile.expectedCount(upTo: 2) - 1_000) < 1e-9)
        #expect(abs(profile.expectedCount(upTo: 3) - 2_000) < 1e-9)
        for count in [1.0, 250, 999, 1_500] {
            let t = profile.time(atExpectedCount: count)!
            #expect(abs(profile.expectedCount(upTo: t) - count) < 1e-6)
        }
        var schedule = ArrivalSchedule(profile: profile, process: .constant, endSeconds: 3)
        var firstSecond = 0, total = 0
        while let t = schedule.next() {
            total += 1
            if t < 1 { firstSecond += 1 }
        }
        #expect(total == 2_000)
        #expect(firstSecond == 250)  // ∫0..1 of 500t dt
        #expect(try RateStage(parsing: "10s:5000") == RateStage(seconds: 10, targetRate: 5_000))
        #expect(throws: LoadError.self) { try RateStage(parsing: "10s") }
        #expect(throws: LoadError.self) { try RateStage(parsing: "x:5") }
        #expect(RateProfile.constant(0).time(atExpectedCount: 1) == nil)
    }

    @Test func inFlightCapHoldsSendsAndKeepsTheirIntendedTime() {
        // 1,000/s, cap 1: the first call never completes, so every later send waits.
        let schedule = ArrivalSchedule(profile: .constant(1_000), process: .constant, endSeconds: 1)
        var scheduler = LoadScheduler(
            mode: .open(schedule), maxInFlight: 1, measureFrom: 0, endNanos: 1_000_000_000,
            requestLimit: nil)
        let first = scheduler.nextSend(now: 1_000_000, inFlight: 0)
        #expect(first?.intended == 500_000)
        #expect(scheduler.nextSend(now: 10_000_000, inFlight: 1) == nil)
        // The call completes at 10 ms: the held send goes out with its intended time (1.5 ms).
        let held = scheduler.nextSend(now: 10_000_000, inFlight: 0)
        #expect(held == LoadScheduler.Send(sequence: 1, intended: 1_500_000, heldByCap: true))
        // Stopping at 10 ms: sends intended at 2.5 … 9.5 ms never went out.
        #expect(scheduler.stop(now: 10_000_000) == 8)
        #expect(scheduler.nextSend(now: 20_000_000, inFlight: 0) == nil)
    }

    @Test func requestLimitAndWarmup() {
        let schedule = ArrivalSchedule(profile: .constant(1_000), process: .constant, endSeconds: 10)
        var scheduler = LoadScheduler(
            mode: .open(schedule), maxInFlight: 100, measureFrom: 100_000_000,
            endNanos: 10_000_000_000, requestLimit: 50)
        let sends = drive(&scheduler, until: 1_000_000_000, step: 1_000_000)
        // 100 warm-up sends (not counted against the limit) + 50 measured.
        #expect(sends.count == 150)
        #expect(scheduler.measuredIssued == 50)
        #expect(scheduler.isExhausted)
    }

    @Test func closedLoopKeepsConcurrencyInFlight() {
        var scheduler = LoadScheduler(mode: .closed, maxInFlight: 8, measureFrom: 0, endNanos: 1_000, requestLimit: 20)
        var inFlight = 0
        while scheduler.nextSend(now: 0, inFlight: inFlight) != nil { inFlight += 1 }
        #expect(inFlight == 8)
        var total = 8
        while inFlight > 0 {
            inFlight -= 1
            while scheduler.nextSend(now: 10, inFlight: inFlight) != nil {
                inFlight += 1
                total += 1
            }
        }
        #expect(total == 20)
        #expect(scheduler.nextSend(now: 2_000, inFlight: 0) == nil)
    }

    @Test func mixTablesAreExactAndParsed() throws {
        let mix = try OperationMix(parsing: "check=95,share=4,transfer=1")
        let table = mix.table(seed: 3)
        #expect(table.count == 100)
        #expect(table.filter { $0 == .check }.count == 95)
        #expect(table.filter { $0 == .transfer }.count == 1)
        #expect(table == mix.table(seed: 3))
        #expect(try OperationMix(parsing: "echo=50,check=50").table(seed: 1).count == 2)
        #expect(throws: LoadError.self) { try OperationMix(parsing: "nope=1") }
        #expect(throws: LoadError.self) { try OperationMix(parsing: "check=0") }
        #expect(throws: LoadError.self) { try OperationMix(parsing: "check=1,check=2") }
        #expect(Scenario.mixed.mix.description == "check=95,share=4,transfer=1")
    }
}
