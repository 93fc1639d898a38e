import NIOCore
import NIOEmbedded
import Testing

@testable import SharewireLoad

/// A server simulated on an `EmbeddedEventLoop`'s virtual clock: answers
/// after `service`, except that nothing is answered during `stall`; calls
/// that arrive in it are answered when it ends.
final class StallingDriver: CallDriver {
    let loop: EmbeddedEventLoop
    let start: NIODeadline
    let service: TimeAmount
    let stall: Range<Int64>
    var calls = 0
    /// Virtual times (ns from start) at which calls were started.
    var sendTimes = Set<Int64>()

    init(loop: EmbeddedEventLoop, service: TimeAmount, stall: Range<Int64>) {
        self.loop = loop
        self.start = loop.now
        self.service = service
        self.stall = stall
    }

    func start(_ operation: OperationKind, sequence: UInt64, completion: @escaping CallCompletion) {
        calls += 1
        sendTimes.insert((loop.now - start).nanoseconds)
        var done = (loop.now - start).nanoseconds + service.nanoseconds
        if stall.contains(done) { done = stall.upperBound }
        loop.scheduleTask(deadline: start + .nanoseconds(done)) { completion(.ok) }
    }
}

@Suite struct WorkerTests {
    /// Runs one worker for `seconds` of virtual time against a server that
    /// stalls from 0.5 s to 1.0 s; returns its recorder.
    func run(_ mode: LoadScheduler.Mode, maxInFlight: Int, seconds: Int64 = 2) throws -> (LatencyRecorder, Int) {
        let loop = EmbeddedEventLoop()
        let driver = StallingDriver(loop: loop, service: .microseconds(100), stall: 500_000_000..<1_000_000_000)
        let scheduler = LoadScheduler(
            mode: mode, maxInFlight: maxInFlight, measureFrom: 0,
            endNanos: seconds * 1_000_000_000, requestLimit: nil)
        let worker = LoadWorker(
            eventLoop: loop, driver: driver, scheduler: scheduler, operations: [.echo],
            start: loop.now, now: { loop.now })
        worker.begin()
        loop.advanceTime(by: .seconds(seconds))
        worker.stop()
        loop.advanceTime(by: .seconds(1))
        let recorder = try worker.result.wait()
        return (recorder, driver.calls)
    }

    @Test func openLoopLatencyIncludesTheStall() throws {
        // 1,000/s for 2 s: 2,000 sends whatever the server does.
        let schedule = ArrivalSchedule(profile: .constant(1_000), process: .constant, endSeconds: 2)
        let (recorder, calls) = try run(.open(schedule), maxInFlight: 10_000)
        let total = recorder.total
        #expect(calls == 2_000)
        #expect(total.ok == 2_000)
        #expect(recorder.missedSends == 0)
        // The 500 sends intended during the stall waited for its end: up to 500 ms.
        #expect(total.latency.max >= 499_000_000)
        #expect(total.latency.valueAtPercentile(99) > 400_000_000)
        #expect(total.latency.valueAtPercentile(50) < 1_000_000)
    }

    @Test func openLoopWithCapStillCountsFromIntendedTime() throws {
        // Cap 1 (like one wrk2 connection): sends due in the stall cannot go out,
        // but their latency still runs from when they were due.
        let schedule = ArrivalSchedule(profile: .constant(1_000), process: .constant, endSeconds: 2)
        let (recorder, _) = try run(.open(schedule), maxInFlight: 1)
        let total = recorder.total
        #expect(total.latency.valueAtPercentile(99) > 400_000_000)
        #expect(recorder.cappedSends > 400)
        #expect(recorder.lateSends > 400)
        // Service time (from the actual send) hides the stall for all but one call.
        #expect(total.serviceTime.valueAtPercentile(99) < 1_000_000)
    }

    @Test func closedLoopShowsCoordinatedOmission() throws {
        // The naive measurement: one call in flight, timed from its actual send.
        // Only one sample sees the stall, so p99 looks fine: what the correction fixes.
        let (recorder, _) = try run(.closed, maxInFlight: 1)
        let total = recorder.total
        #expect(total.latency.max >= 499_000_000)
        #expect(total.latency.valueAtPercentile(99) < 1_000_000)
    }

    @Test func missedSendsAreCountedWhenTheRunEnds() throws {
        // The stall lasts past the end: with cap 1, the sends due after 0.5 s never go out.
        let loop = EmbeddedEventLoop()
        let driver = StallingDriver(loop: loop, service: .microseconds(100), stall: 500_000_000..<5_000_000_000)
        let schedule = ArrivalSchedule(profile: .constant(1_000), process: .constant, endSeconds: 1)
        let scheduler = LoadScheduler(
            mode: .open(schedule), maxInFlight: 1, measureFrom: 0, endNanos: 1_000_000_000,
            requestLimit: nil)
        let worker = LoadWorker(
            eventLoop: loop, driver: driver, scheduler: scheduler, operations: [.echo],
            start: loop.now, now: { loop.now })
        worker.begin()
        loop.advanceTime(by: .seconds(1))
        worker.stop()
        // 500 sends completed before the stall; one is stuck in it; 499 never went out.
        #expect(worker.abandon() == 1)
        let recorder = try worker.result.wait()
        #expect(recorder.missedSends == 499)
        #expect(recorder.total.ok == 500)
    }

    @Test func intervalsCoverEveryCompletion() throws {
        let loop = EmbeddedEventLoop()
        let driver = StallingDriver(loop: loop, service: .microseconds(100), stall: 0..<0)
        let schedule = ArrivalSchedule(profile: .constant(100), process: .constant, endSeconds: 3)
        let scheduler = LoadScheduler(
            mode: .open(schedule), maxInFlight: 100, measureFrom: 1_000_000_000,
            endNanos: 3_000_000_000, requestLimit: nil)
        let worker = LoadWorker(
            eventLoop: loop, driver: driver, scheduler: scheduler, operations: [.echo, .check],
            start: loop.now, now: { loop.now })
        worker.begin()
        var perSecond: [UInt64] = []
        for _ in 0..<3 {
            loop.advanceTime(by: .seconds(1))
            perSecond.append(worker.takeInterval().ok)
        }
        worker.stop()
        loop.advanceTime(by: .seconds(1))
        let recorder = try worker.result.wait()
        #expect(perSecond.reduce(0, +) == 300)
        // The first second was warm-up: 200 measured, split evenly over the two operations.
        #expect(recorder.total.ok == 200)
        #expect(recorder.operations[OperationKind.echo.rawValue]?.ok == 100)
        #expect(recorder.operations[OperationKind.check.rawValue]?.ok == 100)
    }
}

@Suite struct RecorderTests {
    @Test func mergingEqualsRecordingEverythingInOne() {
        var a = LatencyRecorder(), b = LatencyRecorder(), all = LatencyRecorder()
        var rng = SplitMix64(seed: 9)
        for i in 0..<10_000 {
            let latency = Int64(rng.next() % 50_000_000) + 1_000
            let operation: OperationKind = i % 3 == 0 ? .check : .share
            let outcome: CallOutcome =
                i % 100 == 0 ? .failed(code: "UNAVAILABLE", message: "x", kind: .connection) : .ok
            if i % 2 == 0 {
                a.record(operation, intended: 0, sent: 0, completed: latency, outcome: outcome)
            } else {
                b.record(operation, intended: 0, sent: 0, completed: latency, outcome: outcome)
            }
            all.record(operation, intended: 0, sent: 0, completed: latency, outcome: outcome)
        }
        a.merge(b)
        #expect(a.total.latency == all.total.latency)
        for p in [50.0, 90, 99, 99.9, 99.99, 100] {
            #expect(a.total.latency.valueAtPercentile(p) == all.total.latency.valueAtPercentile(p))
        }
        #expect(a.total.ok == all.total.ok)
        #expect(a.total.errors == 100)
        #expect(a.total.connectionErrors == 100)
        #expect(a.operations[OperationKind.check.rawValue]?.completed == 3_334)
        #expect(a.errorTable.counts.values.reduce(0, +) == 100)
    }

    @Test func errorTableIsBounded() {
        var table = ErrorTable()
        for i in 0..<1_000 { table.add(.init(operation: "check", code: "NOT_FOUND", message: "id \(i)")) }
        #expect(table.counts.count == ErrorTable.maxKeys + 1)
        #expect(table.counts.values.reduce(0, +) == 1_000)
    }

    @Test func latenciesBeyondTheRangeAreClamped() {
        var histogram = LatencyHistogram.latency()
        histogram.recordClamped(-5)
        histogram.recordClamped(Int64.max)
        #expect(histogram.totalCount == 2)
    }
}

@Suite struct TimerSlackTests {
    @Test func slackBatchesSendsAndTheirLatencyIncludesIt() throws {
        // 10,000/s (100 µs apart) with 1 ms slack: wake-ups at most every ms,
        // so sends go out in batches, up to 1 ms late, and no send is lost.
        // The server answers in 250 µs, when more sends are due.
        let loop = EmbeddedEventLoop()
        let driver = StallingDriver(loop: loop, service: .microseconds(250), stall: 0..<0)
        let schedule = ArrivalSchedule(profile: .constant(10_000), process: .constant, endSeconds: 1)
        let scheduler = LoadScheduler(
            mode: .open(schedule), maxInFlight: 1_000, measureFrom: 0, endNanos: 1_000_000_000,
            requestLimit: nil)
        let worker = LoadWorker(
            eventLoop: loop, driver: driver, scheduler: scheduler, operations: [.echo],
            start: loop.now, timerSlackNanos: 1_000_000, now: { loop.now })
        worker.begin()
        loop.advanceTime(by: .seconds(1))
        worker.stop()
        loop.advanceTime(by: .seconds(1))
        let recorder = try worker.result.wait()
        #expect(recorder.total.ok == 10_000)
        #expect(recorder.missedSends == 0)
        #expect(recorder.total.latency.max > 900_000)  // the last send of a batch waited ~0.9 ms
        #expect(recorder.total.serviceTime.max < 300_000)
        // Sends go out only at the timer's wake-ups, at most one per ms, not
        // also when a batch's responses arrive 250 µs later.
        #expect(driver.sendTimes.count <= 1_001)
        let wakes = driver.sendTimes.sorted()
        #expect(zip(wakes, wakes.dropFirst()).allSatisfy { $1 - $0 >= 1_000_000 })
    }

    @Test func sendsHeldByTheCapStillGoOutOnACompletion() throws {
        // 10,000/s with 1 ms slack but at most 2 calls in flight and a 30 µs
        // server: a batch is held by the cap, and each completion lets the
        // next held send out at once rather than at the next wake-up.
        let loop = EmbeddedEventLoop()
        let driver = StallingDriver(loop: loop, service: .microseconds(30), stall: 0..<0)
        let schedule = ArrivalSchedule(profile: .constant(10_000), process: .constant, endSeconds: 1)
        let scheduler = LoadScheduler(
            mode: .open(schedule), maxInFlight: 2, measureFrom: 0, endNanos: 1_000_000_000,
            requestLimit: nil)
        let worker = LoadWorker(
            eventLoop: loop, driver: driver, scheduler: scheduler, operations: [.echo],
            start: loop.now, timerSlackNanos: 1_000_000, now: { loop.now })
        worker.begin()
        loop.advanceTime(by: .milliseconds(1_010))  // past the end by more than the slack: nothing left due
        worker.stop()
        loop.advanceTime(by: .seconds(1))
        let recorder = try worker.result.wait()
        #expect(recorder.total.ok == 10_000)
        #expect(recorder.missedSends == 0)
        #expect(recorder.cappedSends > 0)
        // Ten sends per wake-up, two at a time: sends also happen between wake-ups.
        #expect(driver.sendTimes.count > 4_000)
    }
}
