import Histogram
import NIOCore
import NIOPosix
import SharewireLoad
import SharewireMessages
import SharewireRPC

/// Result of one benchmark cell.
struct CellResult: Codable {
    var concurrency: Int
    var connections: Int
    var calls: UInt64
    var errors: UInt64
    var seconds: Double
    var callsPerSecond: Double
    var p50Micros: Double
    var p99Micros: Double
    var p999Micros: Double
    var maxMicros: Double
    var serverCPUMicrosPerCall: Double?
    var clientCPUMicrosPerCall: Double
    /// Group commits per second in the measured window (with --metrics).
    var commitsPerSecond: Double?
    /// Mean writes per group commit (with --metrics).
    var writesPerCommit: Double?
    /// Mean SQLite transaction time in milliseconds (with --metrics).
    var commitMillis: Double?
}

/// Closed-loop unary load: `concurrency` tasks, each sending its next call
/// as soon as the previous one is answered.
struct EchoLoad {
    let port: Int
    /// TLS to the server, or plaintext.
    var tls: ClientTLS? = nil
    let concurrency: Int
    let connections: Int
    /// One call of the measured method.
    let call: BenchCall
    let warmup: Duration
    let duration: Duration
    let group: MultiThreadedEventLoopGroup
    let serverPID: Int32?
    /// The server's metrics port, to read its group-commit counters.
    var metricsPort: Int? = nil

    func run() async throws -> CellResult {
        var config = ClientConfiguration(host: "127.0.0.1", port: port)
        config.tls = tls
        config.connections = connections
        config.defaultTimeout = .seconds(30)
        config.keepaliveInterval = nil
        let client = RPCClient(configuration: config, group: group)
        try await client.connect()
        defer { client.close() }

        let executors = group.makeIterator().map { EventLoopTaskExecutor(eventLoop: $0) }
        let clock = ContinuousClock()
        let start = clock.now
        let measureFrom = start + warmup
        let end = measureFrom + duration

        // CPU counters are sampled when the measured window opens and closes.
        let sampler = Task {
            try? await Task.sleep(until: measureFrom, clock: clock)
            let before = (
                server: serverPID.flatMap(ProcessCPU.microseconds(pid:)), client: ProcessCPU.selfMicroseconds(),
                commits: metricsPort.flatMap(CommitCounters.scrape(port:))
            )
            try? await Task.sleep(until: end, clock: clock)
            let after = (
                server: serverPID.flatMap(ProcessCPU.microseconds(pid:)), client: ProcessCPU.selfMicroseconds(),
                commits: metricsPort.flatMap(CommitCounters.scrape(port:))
            )
            return (before, after)
        }

        let merged = await withTaskGroup(of: WorkerResult.self) { tasks in
            for worker in 0..<concurrency {
                tasks.addTask(executorPreference: executors[worker % executors.count]) {
                    var result = WorkerResult()
                    while true {
                        let sent = clock.now
                        if sent >= end { break }
                        do {
                            try await call(client, worker)
                            let done = clock.now
                            if sent >= measureFrom, done <= end {
                                result.histogram.record(UInt64((done - sent).nanosecondsClamped))
                            }
                        } catch {
                            if sent >= measureFrom { result.errors += 1 }
                        }
                    }
                    return result
                }
            }
            var total = WorkerResult()
            for await part in tasks {
                total.histogram.add(part.histogram)
                total.errors += part.errors
            }
            return total
        }
        let (before, after) = await sampler.value
        let seconds = Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
        let calls = merged.histogram.totalCount
        let commits = before.commits.flatMap { b in
            after.commits.map {
                CommitCounters(
                    commits: $0.commits - b.commits, writes: $0.writes - b.writes,
                    commitSeconds: $0.commitSeconds - b.commitSeconds)
            }
        }
        let perCall = { (a: Double?, b: Double?) -> Double? in
            guard let a, let b, calls > 0 else { return nil }
            return (b - a) / Double(calls)
        }
        return CellResult(
            concurrency: concurrency, connections: connections, calls: calls, errors: merged.errors,
            seconds: seconds, callsPerSecond: Double(calls) / seconds,
            p50Micros: Double(merged.histogram.valueAtPercentile(50)) / 1000,
            p99Micros: Double(merged.histogram.valueAtPercentile(99)) / 1000,
            p999Micros: Double(merged.histogram.valueAtPercentile(99.9)) / 1000,
            maxMicros: Double(merged.histogram.max) / 1000,
            serverCPUMicrosPerCall: perCall(before.server, after.server),
            clientCPUMicrosPerCall: perCall(before.client, after.client) ?? 0,
            commitsPerSecond: commits.map { $0.commits / seconds },
            writesPerCommit: commits.flatMap { $0.commits > 0 ? $0.writes / $0.commits : nil },
            commitMillis: commits.flatMap { $0.commits > 0 ? $0.commitSeconds / $0.commits * 1000 : nil })
    }
}

/// One worker's measurements, merged at the end.
struct WorkerResult: Sendable {
    var histogram = Histogram<UInt64>(
        lowestDiscernibleValue: 1_000, highestTrackableValue: 60_000_000_000,
        numberOfSignificantValueDigits: .three)
    var errors: UInt64 = 0
}

extension Duration {
    var nanosecondsClamped: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
