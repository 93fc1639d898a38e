import Foundation
import Histogram

/// The result of one run: what `--json` writes (versioned), what the
/// summary table, CSV, HTML report, `compare` and `--fail-if` read.
/// Latencies are in microseconds.
public struct RunReport: Codable, Sendable, Equatable {
    /// The JSON format version this tool writes and reads.
    public static let currentVersion = 1

    public var version = RunReport.currentVersion
    public var tool = "sharewire-load"
    /// ISO 8601, when the measured window opened.
    public var startedAt: String
    public var configuration: Configuration
    /// Seconds in the measured window (shorter than asked if interrupted or the request cap was reached).
    public var measuredSeconds: Double
    /// Ctrl-C ended the run early.
    public var interrupted: Bool
    public var total: OperationSummary
    /// Per operation, by name.
    public var operations: [String: OperationSummary]
    public var errors: [ErrorCount]
    public var sends: SendSummary
    public var cpu: CPUSummary
    /// One row per second of the whole run, warm-up included (flagged).
    public var intervals: [IntervalRow]
    /// The corrected latency distribution: percentile → µs, for charts and comparisons.
    public var spectrum: [SpectrumPoint]
    public var warnings: [String]

    /// The run's configuration as reported (no secrets).
    public struct Configuration: Codable, Sendable, Equatable {
        public var target: String
        public var scenario: String
        public var mix: String
        public var model: String
        public var rate: Double?
        public var stages: [RateStage]
        public var arrival: String?
        public var concurrency: Int?
        public var maxInFlight: Int?
        public var connections: Int
        public var threads: Int
        public var durationSeconds: Double
        public var warmupSeconds: Double
        public var requests: UInt64?
        public var timeoutSeconds: Double
        /// Open loop: least time between a worker's timer wake-ups.
        public var timerSlackSeconds: Double?
        public var population: PopulationShape
    }

    /// Counts, throughput and latency of one operation (or all).
    public struct OperationSummary: Codable, Sendable, Equatable {
        public var completed: UInt64
        public var ok: UInt64
        public var errors: UInt64
        public var timeouts: UInt64
        public var connectionErrors: UInt64
        /// Completed calls per second of the measured window.
        public var throughput: Double
        /// From the intended send time (coordinated omission corrected).
        public var latency: Percentiles
        /// From the actual send time (uncorrected; for comparison).
        public var serviceTime: Percentiles

        /// Errors as a fraction of completed calls (0 when none completed).
        public var errorRate: Double { completed == 0 ? 0 : Double(errors) / Double(completed) }
    }

    /// Latency percentiles in microseconds.
    public struct Percentiles: Codable, Sendable, Equatable {
        public var p50: Double
        public var p90: Double
        public var p99: Double
        public var p999: Double
        public var p9999: Double
        public var max: Double
        public var mean: Double

        init(_ h: LatencyHistogram) {
            func us(_ v: UInt64) -> Double { Double(v) / 1_000 }
            guard h.totalCount > 0 else {
                p50 = 0
                p90 = 0
                p99 = 0
                p999 = 0
                p9999 = 0
                max = 0
                mean = 0
                return
            }
            p50 = us(h.valueAtPercentile(50))
            p90 = us(h.valueAtPercentile(90))
            p99 = us(h.valueAtPercentile(99))
            p999 = us(h.valueAtPercentile(99.9))
            p9999 = us(h.valueAtPercentile(99.99))
            max = us(h.max)
            mean = h.mean / 1_000
        }
    }

    /// One kind of error and how often it happened.
    public struct ErrorCount: Codable, Sendable, Equatable {
        public var operation: String
        public var code: String
        public var message: String
        public var count: UInt64
    }

    /// How sends kept to the schedule.
    public struct SendSummary: Codable, Sendable, Equatable {
        /// Measured sends that went out.
        public var sent: UInt64
        /// Sent more than 1 ms after their intended time (any cause).
        public var late: UInt64
        /// Held back because the in-flight cap was reached.
        public var capped: UInt64
        /// Due before the run ended but never sent.
        public var missed: UInt64
        /// Calls still in flight when the grace period after the run ended.
        public var unfinished: UInt64
        /// The generator's own lateness (sends not held by the cap), µs.
        public var schedulerLagP99: Double
        public var schedulerLagMax: Double
    }

    /// What the run cost the machine.
    public struct CPUSummary: Codable, Sendable, Equatable {
        /// This tool's CPU (user + system) per completed request, µs.
        public var toolMicrosPerRequest: Double
        /// This tool's CPU over the window, as a share of its event-loop threads (1.0 = all busy).
        public var toolUtilization: Double
        /// The server's CPU per request, µs, when the tool started the server or was given --server-pid.
        public var serverMicrosPerRequest: Double?
        /// The load generator itself was the bottleneck: figures are not the server's.
        public var saturated: Bool
    }

    /// One second of the run.
    public struct IntervalRow: Codable, Sendable, Equatable {
        /// Seconds since the run (warm-up included) started, at the end of the interval.
        public var elapsed: Double
        public var warmup: Bool
        public var sent: UInt64
        public var ok: UInt64
        public var errors: UInt64
        /// Completed calls per second.
        public var rate: Double
        public var p50: Double
        public var p90: Double
        public var p99: Double
        public var max: Double
        public var inFlight: Int
    }

    /// A point of the percentile spectrum.
    public struct SpectrumPoint: Codable, Sendable, Equatable {
        public var percentile: Double
        public var micros: Double
    }

    /// Decodes a report, refusing versions this tool does not know.
    public static func decode(_ data: Data) throws -> RunReport {
        struct Versioned: Decodable { var version: Int }
        let version = try JSONDecoder().decode(Versioned.self, from: data).version
        guard version == currentVersion else {
            throw LoadError("report version \(version) is not supported (this tool reads version \(currentVersion))")
        }
        return try JSONDecoder().decode(RunReport.self, from: data)
    }

    /// The report as pretty-printed JSON with sorted keys.
    public func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(self)
    }
}

extension RunReport.OperationSummary {
    init(_ stats: OperationStats, seconds: Double) {
        completed = stats.completed
        ok = stats.ok
        errors = stats.errors
        timeouts = stats.timeouts
        connectionErrors = stats.connectionErrors
        throughput = seconds > 0 ? Double(stats.completed) / seconds : 0
        latency = RunReport.Percentiles(stats.latency)
        serviceTime = RunReport.Percentiles(stats.serviceTime)
    }
}

extension RunReport.IntervalRow {
    init(_ stats: IntervalStats, elapsed: Double, seconds: Double, warmup: Bool) {
        let p = RunReport.Percentiles(stats.latency)
        self.init(
            elapsed: elapsed, warmup: warmup, sent: stats.sent, ok: stats.ok, errors: stats.errors,
            rate: seconds > 0 ? Double(stats.ok + stats.errors) / seconds : 0,
            p50: p.p50, p90: p.p90, p99: p.p99, max: p.max, inFlight: stats.inFlight)
    }
}

extension RunReport {
    /// The percentile spectrum of `histogram` (HdrHistogram's iteration, 5 ticks per half distance).
    static func spectrum(_ histogram: LatencyHistogram) -> [SpectrumPoint] {
        guard histogram.totalCount > 0 else { return [] }
        var points: [SpectrumPoint] = []
        for value in histogram.percentiles(ticksPerHalfDistance: 5) {
            points.append(
                SpectrumPoint(percentile: value.percentileLevelIteratedTo, micros: Double(value.value) / 1_000))
            if points.count >= 400 { break }
        }
        return points
    }
}
