import Histogram
import NIOCore

/// One interval's figures (a row of the per-second CSV and of the
/// latency-over-time chart), for all operations together.
public struct IntervalStats: Sendable {
    public var latency = LatencyHistogram.latency()
    public var ok: UInt64 = 0
    public var errors: UInt64 = 0
    public var sent: UInt64 = 0
    public var inFlight = 0

    public init() {}

    public mutating func merge(_ other: IntervalStats) {
        latency.add(other.latency)
        ok += other.ok
        errors += other.errors
        sent += other.sent
        inFlight += other.inFlight
    }
}

/// Sends one worker's calls on its event loop, as its `LoadScheduler`
/// says, and records every completion in its own `LatencyRecorder`: no
/// locks, no actor hops, no task per call. Confined to `eventLoop`; the run
/// talks to it with `eventLoop.submit`/`execute`.
///
/// Time is read through `now` (the real monotonic clock, or an
/// `EmbeddedEventLoop`'s virtual one in tests) and kept as nanoseconds since
/// `start`. Timers are the event loop's scheduled tasks.
public final class LoadWorker {
    public let eventLoop: any EventLoop
    private let driver: any CallDriver
    private var scheduler: LoadScheduler
    private let operations: [OperationKind]
    private let start: NIODeadline
    private let now: () -> NIODeadline
    /// Open loop: timer wake-ups are at least this far apart (0 = every send
    /// at its exact time). Sends in between go out together at the next
    /// wake-up (not when a response arrives), late by up to the slack, which
    /// their latency includes: fewer wake-ups and writes, less CPU.
    private let timerSlackNanos: Int64
    private var lastWake: Int64 = .min
    /// Which timers are armed, and when a near send is spun for instead of slept for.
    private var wakePlan: WakePlan
    /// After a connection failure, no send before this (a dead server must not make the loop spin).
    private var pausedUntil: Int64 = 0
    public private(set) var inFlight = 0
    public private(set) var recorder = LatencyRecorder()
    private var interval = IntervalStats()
    private var pumping = false
    private var pumpAgain = false
    private var stopped = false
    private var delivered = false
    private let finished: EventLoopPromise<LatencyRecorder>
    /// Called when a connection failure is seen, to get a new connection.
    var onConnectionFailure: (() -> Void)?

    /// Completes with the worker's recorder once it is stopped (or its
    /// schedule is exhausted) and no call is in flight.
    public var result: EventLoopFuture<LatencyRecorder> { finished.futureResult }

    /// A worker; call `begin()` on `eventLoop` to start sending.
    public init(
        eventLoop: any EventLoop, driver: any CallDriver, scheduler: LoadScheduler,
        operations: [OperationKind], start: NIODeadline, timerSlackNanos: Int64 = 0, spinNanos: Int64 = 0,
        now: @escaping () -> NIODeadline = NIODeadline.now
    ) {
        precondition(!operations.isEmpty)
        self.eventLoop = eventLoop
        self.driver = driver
        self.scheduler = scheduler
        self.operations = operations
        self.start = start
        self.now = now
        self.timerSlackNanos = max(0, timerSlackNanos)
        // With slack, sends are batched on purpose: spinning for them would undo it.
        self.wakePlan = WakePlan(spinNanos: timerSlackNanos > 0 ? 0 : spinNanos)
        self.finished = eventLoop.makePromise()
    }

    private var elapsed: Int64 { (now() - start).nanoseconds }

    /// Starts sending. On the event loop.
    public func begin() {
        eventLoop.preconditionInEventLoop()
        lastWake = elapsed
        pump()
    }

    /// Sends everything that is due, then arms the timer for the next send.
    private func pump() {
        sendDue()
        armTimer()
        finishIfDone()
    }

    /// Sends everything the scheduler says is due now.
    private func sendDue() {
        if pumping {
            pumpAgain = true  // a completion ran inside a start: loop instead of recursing
            return
        }
        pumping = true
        defer { pumping = false }
        repeat {
            pumpAgain = false
            var t = elapsed
            if t < pausedUntil { break }
            while let send = scheduler.nextSend(now: t, inFlight: inFlight) {
                inFlight += 1
                interval.sent += 1
                let measured = send.intended >= scheduler.measureFrom
                if measured { recorder.recordSend(lagNanos: t - send.intended, heldByCap: send.heldByCap) }
                let operation = operations[Int(send.sequence % UInt64(operations.count))]
                let bound = NIOLoopBound(self, eventLoop: eventLoop)
                let intended = send.intended, sentAt = t
                driver.start(operation, sequence: send.sequence) { outcome in
                    bound.value.complete(
                        operation, intended: intended, sent: sentAt, measured: measured, outcome: outcome)
                }
                t = elapsed
                if t < pausedUntil { break }
            }
        } while pumpAgain
    }

    private func complete(
        _ operation: OperationKind, intended: Int64, sent: Int64, measured: Bool, outcome: CallOutcome
    ) {
        inFlight -= 1
        let t = elapsed
        if measured {
            recorder.record(operation, intended: intended, sent: sent, completed: t, outcome: outcome)
        }
        interval.latency.recordClamped(t - intended)
        switch outcome {
        case .ok: interval.ok += 1
        case let .failed(_, _, kind):
            interval.errors += 1
            if kind == .connection, !stopped {
                // Back off briefly; the run replaces the connection meanwhile.
                if pausedUntil <= t { onConnectionFailure?() }
                pausedUntil = t + 50_000_000
            }
        case .unexpected: interval.errors += 1
        }
        if stopped {
            finishIfDone()
        } else if timerSlackNanos == 0 || scheduler.nextIntended == nil || inFlight + 1 == scheduler.maxInFlight {
            // Exact timers, the closed loop, and sends held by the in-flight
            // cap go out as soon as a call ends.
            pump()
        } else {
            // With slack, sends wait for the next timer wake-up even when a
            // response comes in meanwhile: a completion that sent the one or
            // two sends due at that moment would start a ping-pong of single
            // writes, each waking the server, and undo the batching.
            armTimer()
            finishIfDone()
        }
    }

    /// Arms a timer for the next send, unless one armed already fires by
    /// then; a send due within the spin budget is waited for here and sent
    /// in this wake-up instead (once per wake-up, so its write is flushed
    /// before the next wait).
    private func armTimer() {
        var spun = false
        while !stopped {
            let now = elapsed
            let next: Int64?
            if now < pausedUntil {
                next = pausedUntil
            } else if inFlight < scheduler.maxInFlight {
                next = scheduler.nextIntended.map { timerSlackNanos > 0 ? max($0, lastWake &+ timerSlackNanos) : $0 }
            } else {
                next = nil  // a completion will pump
            }
            // No spin inside a nested pump (a completion run by a start) or while paused.
            let spinAllowed = !spun && !pumping && now >= pausedUntil
            switch wakePlan.decide(now: now, next: next, spinAllowed: spinAllowed) {
            case .wait, .sleepOnArmed:
                return
            case let .arm(at):
                let bound = NIOLoopBound(self, eventLoop: eventLoop)
                eventLoop.scheduleTask(deadline: start + .nanoseconds(at)) {
                    bound.value.timerFired(at)
                }
                return
            case let .spin(until):
                while elapsed < until {}
                spun = true
                sendDue()
            }
        }
    }

    private func timerFired(_ deadline: Int64) {
        wakePlan.fired(deadline)
        lastWake = elapsed
        pump()
    }

    private func finishIfDone() {
        guard !delivered, inFlight == 0, stopped || scheduler.isExhausted else { return }
        if !stopped { return stop() }  // stop() comes back here
        delivered = true
        finished.succeed(recorder)
    }

    /// Stops sending; sends due by now that never went out are counted as
    /// missed. The result completes when the calls in flight have ended.
    public func stop() {
        eventLoop.preconditionInEventLoop()
        guard !stopped else { return }
        sendDue()  // what is due and allowed by the cap goes out; the rest is missed
        stopped = true
        recorder.missedSends += scheduler.stop(now: elapsed)
        // Timers still armed fire into a stopped worker and do nothing.
        finishIfDone()
    }

    /// Gives up on calls still in flight (after the grace period): completes
    /// the result with what was recorded, counting them as unfinished.
    public func abandon() -> UInt64 {
        eventLoop.preconditionInEventLoop()
        if !stopped { stop() }
        let unfinished = UInt64(inFlight)
        if !delivered {
            delivered = true
            finished.succeed(recorder)
        }
        return unfinished
    }

    /// The current interval's figures; starts a new interval.
    public func takeInterval() -> IntervalStats {
        eventLoop.preconditionInEventLoop()
        var taken = interval
        taken.inFlight = inFlight
        interval.latency.reset()
        interval.ok = 0
        interval.errors = 0
        interval.sent = 0
        return taken
    }
}
