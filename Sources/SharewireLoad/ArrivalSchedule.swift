import Foundation

/// One stage of an arrival-rate profile: over `duration`, the rate moves
/// linearly from the previous stage's target (the profile's start rate for
/// the first stage) to `targetRate`.
public struct RateStage: Sendable, Hashable, Codable {
    /// Seconds the stage lasts.
    public var seconds: Double
    /// Arrivals per second at the end of the stage.
    public var targetRate: Double

    /// A stage ramping to `targetRate` over `seconds`.
    public init(seconds: Double, targetRate: Double) {
        self.seconds = seconds
        self.targetRate = targetRate
    }

    /// Parses `DURATION:RATE`, e.g. `10s:5000` (ramp to 5000/s over 10 s).
    public init(parsing text: String) throws(LoadError) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, let seconds = DurationText.seconds(String(parts[0])), seconds > 0,
            let rate = Double(parts[1]), rate >= 0, rate.isFinite
        else {
            throw LoadError("stage '\(text)' is not DURATION:RATE (e.g. 10s:5000)")
        }
        self.init(seconds: seconds, targetRate: rate)
    }
}

/// A piecewise-linear arrival-rate profile: a start rate, then stages; after
/// the last stage its target rate holds. With no stages the rate is constant.
public struct RateProfile: Sendable, Hashable, Codable {
    /// The rate at time zero.
    public var startRate: Double
    /// The ramp stages, in order.
    public var stages: [RateStage]

    /// A constant rate.
    public static func constant(_ rate: Double) -> RateProfile { RateProfile(startRate: rate, stages: []) }

    /// A profile from `startRate` through `stages`.
    public init(startRate: Double, stages: [RateStage]) {
        self.startRate = startRate
        self.stages = stages
    }

    /// The rate (per second) at `t` seconds.
    public func rate(at t: Double) -> Double {
        var from = startRate, start = 0.0
        for stage in stages {
            if t < start + stage.seconds {
                return from + (stage.targetRate - from) * (t - start) / stage.seconds
            }
            start += stage.seconds
            from = stage.targetRate
        }
        return from
    }

    /// Expected arrivals in [0, t]: the integral of the rate.
    public func expectedCount(upTo t: Double) -> Double {
        var from = startRate, start = 0.0, total = 0.0
        for stage in stages {
            let end = start + stage.seconds
            let upper = min(t, end)
            if upper > start {
                let rateAtUpper = from + (stage.targetRate - from) * (upper - start) / stage.seconds
                total += (from + rateAtUpper) / 2 * (upper - start)
            }
            if t <= end { return total }
            start = end
            from = stage.targetRate
        }
        return total + from * (t - start)
    }

    /// The time `t` at which `expectedCount(upTo: t) == count`, or nil if the
    /// rate is zero from there on (never reached).
    public func time(atExpectedCount count: Double) -> Double? {
        var from = startRate, start = 0.0, total = 0.0
        for stage in stages {
            let area = (from + stage.targetRate) / 2 * stage.seconds
            if total + area >= count, area > 0 {
                // Solve from*x + slope/2*x^2 = remaining for x in [0, seconds].
                let remaining = count - total
                let slope = (stage.targetRate - from) / stage.seconds
                let x: Double
                if abs(slope) < 1e-12 {
                    x = remaining / from
                } else {
                    let discriminant = max(0, from * from + 2 * slope * remaining)
                    // Numerically stable root of the quadratic.
                    x = 2 * remaining / (from + discriminant.squareRoot())
                }
                return start + min(max(x, 0), stage.seconds)
            }
            total += area
            start += stage.seconds
            from = stage.targetRate
        }
        guard from > 0 else { return nil }
        return start + (count - total) / from
    }
}

/// How arrivals are spaced.
public enum ArrivalProcess: String, Sendable, Hashable, Codable, CaseIterable {
    /// Evenly spaced at the profile's rate (wrk2's model).
    case constant
    /// A Poisson process with the profile's rate (exponential gaps).
    case poisson
}

/// The intended send times of one worker: the n-th arrival of a
/// (possibly time-varying) rate profile, split evenly over `workers`.
///
/// Times come from inverting the expected-count function: arrival `n` of a
/// unit-rate process at "unit time" `u_n` is sent at the `t` where the
/// profile has accumulated `u_n × workers` expected arrivals. For
/// `.constant`, `u_n = n + (worker + ½) / workers`, so the workers' sends
/// interleave evenly; for `.poisson`, `u_n` has exponential gaps from a
/// seeded generator, so the run is repeatable. Pure: no clock, no I/O.
public struct ArrivalSchedule: Sendable {
    public let profile: RateProfile
    public let process: ArrivalProcess
    /// Arrivals after this many seconds are not scheduled.
    public let endSeconds: Double
    private let workers: Double
    private var unitTime: Double
    private var rng: SplitMix64

    /// A schedule for worker `worker` of `workers`, ending at `endSeconds`.
    public init(
        profile: RateProfile, process: ArrivalProcess, endSeconds: Double,
        worker: Int = 0, workers: Int = 1, seed: UInt64 = 1
    ) {
        self.profile = profile
        self.process = process
        self.endSeconds = endSeconds
        self.workers = Double(max(workers, 1))
        self.rng = SplitMix64(seed: seed &+ UInt64(worker) &* 0x9E37_79B9_7F4A_7C15)
        switch process {
        case .constant: unitTime = (Double(worker) + 0.5) / Double(max(workers, 1))
        case .poisson: unitTime = 0
        }
        if process == .poisson { unitTime = rng.nextExponential() }
    }

    /// The next intended send time in seconds from the start, or nil when the
    /// schedule has ended (past `endSeconds`, or the rate stays at zero).
    public mutating func next() -> Double? {
        guard let t = profile.time(atExpectedCount: unitTime * workers), t < endSeconds else { return nil }
        switch process {
        case .constant: unitTime += 1
        case .poisson: unitTime += rng.nextExponential()
        }
        return t
    }
}

/// A small, fast, seedable generator (Steele, Lea & Flood's SplitMix64).
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    /// A generator whose sequence is fixed by `seed`.
    public init(seed: UInt64) { state = seed }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// An exponential variate with mean 1.
    public mutating func nextExponential() -> Double {
        // 53 random bits in (0, 1].
        let u = (Double(next() >> 11) + 1) / 9_007_199_254_740_992
        return -log(u)
    }
}
