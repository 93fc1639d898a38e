/// How a worker decides when to send. Pure: it is told the time and the
/// number of calls in flight, and answers which send is due; it reads no
/// clock, so tests drive it with a virtual one.
///
/// Open loop: sends follow an `ArrivalSchedule` whatever the server does.
/// A send that is due while `maxInFlight` calls are outstanding waits (the
/// backlog) and goes out as soon as a call completes, keeping its *intended*
/// time, so its latency includes the wait (coordinated omission corrected,
/// as wrk2 does). Sends still waiting when the run ends are "missed".
///
/// Closed loop: `maxInFlight` calls always outstanding; each send's intended
/// time is the moment it could go out.
public struct LoadScheduler: Sendable {
    /// What drives sends.
    public enum Mode: Sendable {
        case open(ArrivalSchedule)
        case closed
    }

    /// One send: its sequence number in this worker and its intended time
    /// (nanoseconds from the run's start).
    public struct Send: Sendable, Equatable {
        public var sequence: UInt64
        public var intended: Int64
        /// The send waited for the in-flight cap (open loop only).
        public var heldByCap: Bool
    }

    /// The open-loop schedule; nil in closed loop. (Kept out of the `Mode`
    /// enum so taking the next time mutates it in place, without a copy.)
    private var schedule: ArrivalSchedule?
    public let maxInFlight: Int
    /// Sends whose intended time is at or after this count against `requestLimit`.
    public let measureFrom: Int64
    /// Most measured sends; nil for no limit.
    public let requestLimit: UInt64?
    /// No send is intended at or after this time.
    public let endNanos: Int64
    /// Next scheduled intended time (open loop), peeked from the schedule.
    private var upcoming: Int64?
    /// Whether `upcoming` already had to wait for the cap.
    private var upcomingHeld = false
    public private(set) var issued: UInt64 = 0
    public private(set) var measuredIssued: UInt64 = 0
    private var stopped = false

    /// A scheduler for one worker.
    public init(mode: Mode, maxInFlight: Int, measureFrom: Int64, endNanos: Int64, requestLimit: UInt64?) {
        self.maxInFlight = max(1, maxInFlight)
        self.measureFrom = measureFrom
        self.endNanos = endNanos
        self.requestLimit = requestLimit
        if case let .open(schedule) = mode {
            self.schedule = schedule
            upcoming = self.schedule!.next().map(Self.nanos)
        }
    }

    private static func nanos(_ seconds: Double) -> Int64 { Int64((seconds * 1e9).rounded()) }

    private var limitReached: Bool {
        guard let requestLimit else { return false }
        return measuredIssued >= requestLimit
    }

    /// True once no further send will ever be due.
    public var isExhausted: Bool {
        if stopped || limitReached { return true }
        return schedule != nil && upcoming == nil
    }

    /// The next send due at `now` with `inFlight` calls outstanding, or nil.
    /// Call repeatedly until nil; each returned send must be sent.
    public mutating func nextSend(now: Int64, inFlight: Int) -> Send? {
        guard !stopped, !limitReached else { return nil }
        guard schedule != nil else {
            guard now < endNanos, inFlight < maxInFlight else { return nil }
            return issue(intended: now, held: false)
        }
        // Every scheduled send is intended before endNanos; one due at the
        // end still goes out (its latency counts from its intended time).
        guard let due = upcoming, due <= now else { return nil }
        guard inFlight < maxInFlight else {
            upcomingHeld = true
            return nil
        }
        let held = upcomingHeld
        upcoming = schedule!.next().map(Self.nanos)
        upcomingHeld = false
        return issue(intended: due, held: held)
    }

    private mutating func issue(intended: Int64, held: Bool) -> Send {
        defer {
            issued += 1
            if intended >= measureFrom { measuredIssued += 1 }
        }
        return Send(sequence: issued, intended: intended, heldByCap: held)
    }

    /// When the next send is intended (open loop), for the wake-up timer;
    /// nil when there is none or in closed loop (sends follow completions).
    public var nextIntended: Int64? {
        guard !stopped, !limitReached, schedule != nil else { return nil }
        return upcoming
    }

    /// Ends the run: no more sends. Returns how many measured sends were
    /// intended before `now` (and before the end) but never went out: the backlog.
    public mutating func stop(now: Int64) -> UInt64 {
        defer { stopped = true }
        guard !stopped, schedule != nil else { return 0 }
        var missed: UInt64 = 0
        let horizon = min(now, endNanos)
        // Bounded: the schedule ends at endNanos, and the request limit bounds it too.
        while let due = upcoming, due < horizon, !limitReached {
            if due >= measureFrom {
                missed += 1
                measuredIssued += 1
            }
            upcoming = schedule!.next().map(Self.nanos)
        }
        return missed
    }
}
