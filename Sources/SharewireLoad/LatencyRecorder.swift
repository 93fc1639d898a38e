import Histogram

/// Latencies in nanoseconds: 1 µs resolution at the bottom, three
/// significant digits, up to a little over an hour (a run's hard maximum), so
/// even a corrected latency that spans a whole run is recorded, not dropped.
public typealias LatencyHistogram = Histogram<UInt64>

extension Histogram where Count == UInt64 {
    /// The histogram every recorder uses; all of them merge with each other.
    public static func latency() -> Histogram<UInt64> {
        Histogram(
            lowestDiscernibleValue: 1_000, highestTrackableValue: LatencyLimits.highestNanoseconds,
            numberOfSignificantValueDigits: .three)
    }

    /// Records `nanoseconds`, clamped into the trackable range.
    @inlinable
    public mutating func recordClamped(_ nanoseconds: Int64) {
        let value = UInt64(Swift.max(0, Swift.min(nanoseconds, Int64(LatencyLimits.highestNanoseconds))))
        _ = record(value)
    }
}

/// The bounds every latency histogram shares.
public enum LatencyLimits {
    /// 3,700 s: longer than the longest run allowed (3,600 s plus warm-up).
    public static let highestNanoseconds: UInt64 = 3_700_000_000_000
}

/// How one call ended, as the recorder sees it.
public enum CallOutcome: Sendable {
    /// OK, and the response was what the operation expected.
    case ok
    /// OK, but the response shows the call changed less than it should
    /// (a bulk share that touched fewer pairs): counted as an error.
    case unexpected(String)
    /// A non-OK status (from the server, a local deadline or the connection).
    case failed(code: String, message: String, kind: FailureKind)
}

/// What kind of failure, for the timeouts and connection-error counters.
public enum FailureKind: String, Sendable, Codable {
    /// A status the server sent.
    case status
    /// The call's deadline expired (DEADLINE_EXCEEDED).
    case timeout
    /// The connection could not be made, closed, or refused the call (UNAVAILABLE, not processed).
    case connection
}

/// Counts and latencies for one operation (or for all of them).
public struct OperationStats: Sendable {
    /// Latency from the intended send time (coordinated omission corrected).
    public var latency = LatencyHistogram.latency()
    /// Latency from the actual send time (what a naive tool would report).
    public var serviceTime = LatencyHistogram.latency()
    /// Calls that completed OK (as expected).
    public var ok: UInt64 = 0
    /// Calls that failed or returned an unexpected result.
    public var errors: UInt64 = 0
    public var timeouts: UInt64 = 0
    public var connectionErrors: UInt64 = 0

    public init() {}

    /// Completed calls, errors included.
    public var completed: UInt64 { ok + errors }

    /// Adds another recorder's figures.
    public mutating func merge(_ other: OperationStats) {
        latency.add(other.latency)
        serviceTime.add(other.serviceTime)
        ok += other.ok
        errors += other.errors
        timeouts += other.timeouts
        connectionErrors += other.connectionErrors
    }
}

/// Error counts keyed by operation, status and message. Bounded: after
/// `maxKeys` distinct keys, new ones are counted under one "other" key, so
/// messages that embed ids cannot grow it without limit.
public struct ErrorTable: Sendable {
    /// One kind of error.
    public struct Key: Hashable, Sendable, Codable {
        public var operation: String
        public var code: String
        public var message: String
    }

    public private(set) var counts: [Key: UInt64] = [:]
    public static let maxKeys = 64

    public init() {}

    public mutating func add(_ key: Key, count: UInt64 = 1) {
        if counts[key] != nil || counts.count < Self.maxKeys {
            counts[key, default: 0] += count
        } else {
            counts[Key(operation: key.operation, code: "OTHER", message: "(further distinct errors)"), default: 0] +=
                count
        }
    }

    public mutating func merge(_ other: ErrorTable) {
        for (key, count) in other.counts { add(key, count: count) }
    }
}

/// One worker's measurements. Each worker owns one (no sharing, no locks);
/// the run merges them at the end, and merges interval snapshots each second.
public struct LatencyRecorder: Sendable {
    /// Per operation, indexed by `OperationKind.rawValue`.
    public var operations: [OperationStats?]
    public var errorTable = ErrorTable()
    /// How late the generator itself sent (actual − intended send time) when
    /// the in-flight cap was not what held the send back.
    public var schedulerLag = LatencyHistogram.latency()
    /// Sends that went out more than `lateThreshold` after their intended time.
    public var lateSends: UInt64 = 0
    /// Sends that waited because the in-flight cap was reached.
    public var cappedSends: UInt64 = 0
    /// Sends that were due before the run ended but never went out.
    public var missedSends: UInt64 = 0
    /// Measured sends (intended at or after the warm-up).
    public var sent: UInt64 = 0

    /// A send later than this counts as late.
    public static let lateThresholdNanos: Int64 = 1_000_000

    public init() {
        operations = Array(repeating: nil, count: OperationKind.allCases.count)
    }

    /// Records one completed call. Latency runs from `intended` to `completed`
    /// (the corrected figure); service time from `sent` to `completed`.
    public mutating func record(
        _ operation: OperationKind, intended: Int64, sent: Int64, completed: Int64,
        outcome: CallOutcome
    ) {
        let index = operation.index
        if operations[index] == nil { operations[index] = OperationStats() }
        operations[index]!.latency.recordClamped(completed - intended)
        operations[index]!.serviceTime.recordClamped(completed - sent)
        switch outcome {
        case .ok:
            operations[index]!.ok += 1
        case let .unexpected(message):
            operations[index]!.errors += 1
            errorTable.add(.init(operation: operation.name, code: "UNEXPECTED_RESULT", message: message))
        case let .failed(code, message, kind):
            operations[index]!.errors += 1
            if kind == .timeout { operations[index]!.timeouts += 1 }
            if kind == .connection { operations[index]!.connectionErrors += 1 }
            errorTable.add(.init(operation: operation.name, code: code, message: message))
        }
    }

    /// Records when a send went out relative to its intended time.
    public mutating func recordSend(lagNanos: Int64, heldByCap: Bool) {
        sent += 1
        if lagNanos > Self.lateThresholdNanos { lateSends += 1 }
        if heldByCap { cappedSends += 1 } else { schedulerLag.recordClamped(lagNanos) }
    }

    /// All operations together.
    public var total: OperationStats {
        var all = OperationStats()
        for case let stats? in operations { all.merge(stats) }
        return all
    }

    /// Adds another worker's measurements.
    public mutating func merge(_ other: LatencyRecorder) {
        for (index, stats) in other.operations.enumerated() {
            guard let stats else { continue }
            if operations[index] == nil { operations[index] = stats } else { operations[index]!.merge(stats) }
        }
        errorTable.merge(other.errorTable)
        schedulerLag.add(other.schedulerLag)
        lateSends += other.lateSends
        cappedSends += other.cappedSends
        missedSends += other.missedSends
        sent += other.sent
    }
}
