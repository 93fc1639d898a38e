import Foundation
import NIOCore
import NIOPosix
import SharewireRPC
import Synchronization

/// Asks a running load to end early (Ctrl-C); safe from any thread.
public final class StopSignal: Sendable {
    private let flag = Atomic<Bool>(false)

    public init() {}

    /// Ends the run as soon as the coordinator notices (within 50 ms); reports are still written.
    public func stop() { flag.store(true, ordering: .relaxed) }

    public var isStopped: Bool { flag.load(ordering: .relaxed) }
}

/// Runs one load: seeds, connects one client per connection, starts one
/// `LoadWorker` per connection, prints a progress line every second, stops
/// at the end of the window (or the request cap, or Ctrl-C), merges the
/// workers' recorders and builds the `RunReport`.
public struct LoadRun: Sendable {
    public let configuration: LoadConfiguration
    /// Gets progress lines (once a second) and notes.
    public var log: @Sendable (String) -> Void = { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }
    /// The server's PID, when this tool started it (for its CPU per request).
    public var serverPID: Int32?
    public var stopSignal = StopSignal()

    public init(configuration: LoadConfiguration) {
        self.configuration = configuration
    }

    /// The merged total histogram is returned too, for `--hgrm`.
    public func run() async throws -> (report: RunReport, histogram: LatencyHistogram) {
        try configuration.validate()
        let group = MultiThreadedEventLoopGroup(numberOfThreads: configuration.threads)
        do {
            let result = try await run(on: group)
            try? await group.shutdownGracefully()
            return result
        } catch {
            try? await group.shutdownGracefully()
            throw error
        }
    }

    private func run(on group: MultiThreadedEventLoopGroup) async throws -> (
        report: RunReport, histogram: LatencyHistogram
    ) {
        let config = configuration
        let namespace = config.namespace ?? String(UUID().uuidString.prefix(8)).lowercased()

        // Seed (only what the mix needs).
        var seedConfig = ClientConfiguration(host: config.host, port: config.port)
        seedConfig.defaultTimeout = .seconds(60)
        seedConfig.connections = 2
        let seedClient = RPCClient(configuration: seedConfig, group: group)
        defer { seedClient.close() }
        let needsSeed = Set(config.mix.operations) != [.echo]
        if needsSeed, config.serviceKey == nil {
            throw LoadError(
                "this mix seeds accounts: give the server's service key (--service-key-file or SHAREWIRE_SERVICE_KEY), or use --spawn-server"
            )
        }
        let population = try await Seeder(client: seedClient, serviceKey: config.serviceKey ?? "")
            .seed(
                config.population, mix: config.mix, workers: config.connections, namespace: namespace, progress: log,
                shouldStop: { [stopSignal] in stopSignal.isStopped })
        seedClient.close()
        let tables = RequestTables(population: population)

        // One client (one connection) per worker.
        var clientConfig = ClientConfiguration(host: config.host, port: config.port)
        clientConfig.agent = "sharewire-load/1"
        clientConfig.connections = 1
        clientConfig.defaultTimeout = .seconds(config.timeoutSeconds)
        clientConfig.keepaliveInterval = nil
        var clients: [RPCClient] = []
        var leases: [RPCConnectionLease] = []
        for _ in 0..<config.connections {
            // Pinned to one event loop, so a reconnected connection stays on its worker's loop.
            let client = RPCClient(configuration: clientConfig, group: group.next())
            clients.append(client)
            leases.append(try await client.lease())
        }
        defer { clients.forEach { $0.close() } }

        // Workers, each on its connection's event loop.
        let operations = config.mix.table(seed: config.population.seed)
        let warmupNanos = Int64(config.warmupSeconds * 1e9)
        let endSeconds = config.warmupSeconds + config.durationSeconds
        let start = NIODeadline.now() + .milliseconds(20)
        let timeout = Duration.seconds(config.timeoutSeconds)
        // A worker spinning for its next send holds up the other workers of its
        // event loop; spin only when each worker has its loop to itself.
        let spinNanos = config.connections <= config.threads ? Int64(config.spinSeconds * 1e9) : 0
        var workers: [NIOLoopBound<LoadWorker>] = []
        let workerCount = leases.count
        for (w, lease) in leases.enumerated() {
            let share = Self.split(
                config.model == .closed ? config.concurrency : config.effectiveMaxInFlight,
                worker: w, workers: leases.count)
            // In a closed loop with more connections than calls in flight, only the
            // first `concurrency` workers have calls; the request cap is theirs.
            let active = config.model == .closed ? min(leases.count, config.concurrency) : leases.count
            let limit = config.requests.map { w < active ? UInt64(Self.split(Int($0), worker: w, workers: active)) : 0 }
            let mode: LoadScheduler.Mode =
                config.model == .closed
                ? .closed
                : .open(
                    ArrivalSchedule(
                        profile: config.rate, process: config.arrival, endSeconds: endSeconds, worker: w,
                        workers: leases.count, seed: config.population.seed))
            let client = clients[w]
            workers.append(
                try await lease.eventLoop.submit {
                    let driver = RPCCallDriver(
                        lease: lease, tables: tables, population: population, timeout: timeout,
                        worker: w, workers: workerCount)
                    let worker = LoadWorker(
                        eventLoop: lease.eventLoop, driver: driver,
                        scheduler: LoadScheduler(
                            mode: mode, maxInFlight: max(1, share), measureFrom: warmupNanos,
                            endNanos: Int64(endSeconds * 1e9),
                            // A closed-loop worker with no share of the calls in flight
                            // (more connections than calls) sends nothing, warm-up included.
                            requestLimit: w >= active ? 0 : limit),
                        operations: operations, start: start, timerSlackNanos: Int64(config.timerSlackSeconds * 1e9),
                        spinNanos: spinNanos)
                    let boundDriver = NIOLoopBound(driver, eventLoop: lease.eventLoop)
                    worker.onConnectionFailure = {
                        // Replace the connection in the background; sends wait meanwhile (they show as late).
                        Task {
                            if let fresh = try? await client.lease() {
                                boundDriver.eventLoop.execute { boundDriver.value.replace(lease: fresh) }
                            }
                        }
                    }
                    return NIOLoopBound(worker, eventLoop: lease.eventLoop)
                }.get())
        }
        let describe =
            config.model == .open
            ? "open loop, \(config.arrival.rawValue) \(Self.rateText(config.rate)), at most \(config.effectiveMaxInFlight) in flight"
            : "closed loop, concurrency \(config.concurrency)"
        log(
            "sharewire-load: \(config.scenario) (\(config.mix)) against \(config.host):\(config.port), \(describe), "
                + "\(config.connections) connection(s), \(config.warmupSeconds)s warm-up + \(config.durationSeconds)s")

        // Go.
        for worker in workers { worker.eventLoop.execute { worker.value.begin() } }
        let finished = Mutex(0)
        for worker in workers {
            worker.eventLoop.execute {
                worker.value.result.whenComplete { _ in finished.withLock { $0 += 1 } }
            }
        }
        let wallStart = Date()
        var intervals: [RunReport.IntervalRow] = []
        var cpuAtWarmup: (tool: Double, server: Double?, at: NIODeadline)?
        var lastTick = start
        var tick = 1
        var interrupted = false
        let end = start + .nanoseconds(Int64(endSeconds * 1e9))
        let measureStart = start + .nanoseconds(warmupNanos)
        if warmupNanos == 0 {
            cpuAtWarmup = (ProcessCPU.selfMicroseconds(), serverPID.flatMap(ProcessCPU.microseconds(pid:)), start)
        }
        while true {
            let now = NIODeadline.now()
            if cpuAtWarmup == nil, now >= measureStart {
                cpuAtWarmup = (ProcessCPU.selfMicroseconds(), serverPID.flatMap(ProcessCPU.microseconds(pid:)), now)
            }
            let allDone = finished.withLock { $0 } == workers.count
            if now >= end || allDone || stopSignal.isStopped {
                interrupted = stopSignal.isStopped && now < end && !allDone
                break
            }
            let nextTick = start + .seconds(Int64(tick))
            if now >= nextTick {
                let row = try await collectInterval(
                    workers, since: lastTick, until: now, start: start,
                    warmup: lastTick < measureStart)
                intervals.append(row)
                log(Self.progressLine(row, elapsed: tick))
                lastTick = now
                tick += 1
                continue
            }
            let wake = min(nextTick, end, cpuAtWarmup == nil ? measureStart : end)
            let wait = max(0, min((wake - now).nanoseconds, 50_000_000))
            try? await Task.sleep(nanoseconds: UInt64(wait))
        }

        // Stop, then wait for calls in flight (bounded by the call timeout).
        let stopAt = NIODeadline.now()
        let cpuAtEnd = (tool: ProcessCPU.selfMicroseconds(), server: serverPID.flatMap(ProcessCPU.microseconds(pid:)))
        for worker in workers { worker.eventLoop.execute { worker.value.stop() } }
        let graceEnd = stopAt + .nanoseconds(Int64((config.timeoutSeconds + 1) * 1e9))
        while finished.withLock({ $0 }) < workers.count, NIODeadline.now() < graceEnd {
            try? await Task.sleep(nanoseconds: 10_000_000)
        }
        var unfinished: UInt64 = 0
        for worker in workers {
            unfinished += try await worker.eventLoop.submit { worker.value.abandon() }.get()
        }
        if (stopAt - lastTick).nanoseconds > 10_000_000 {
            // The last (possibly partial) interval, completions during the grace period included.
            let row = try await collectInterval(
                workers, since: lastTick, until: stopAt, start: start,
                warmup: lastTick < measureStart)
            intervals.append(row)
            log(Self.progressLine(row, elapsed: tick))
        }
        var merged = LatencyRecorder()
        for worker in workers {
            merged.merge(try await worker.eventLoop.submit { worker.value.result }.get().get())
        }

        let window = cpuAtWarmup.map { Double((stopAt - $0.at).nanoseconds) / 1e9 } ?? 0
        let total = merged.total
        let completed = Double(total.completed)
        let toolCPU = cpuAtWarmup.map { cpuAtEnd.tool - $0.tool } ?? 0
        let serverCPU: Double? = cpuAtWarmup.flatMap { before in
            before.server.flatMap { b in cpuAtEnd.server.map { $0 - b } }
        }
        let utilization = window > 0 ? toolCPU / 1e6 / window / Double(config.threads) : 0
        let lagP99 = Double(merged.schedulerLag.valueAtPercentile(99)) / 1_000
        var warnings: [String] = []
        let saturated =
            utilization > 0.9 || (config.model == .open && merged.schedulerLag.totalCount > 0 && lagP99 > 1_000)
        if saturated {
            warnings.append(
                "the load generator could not keep to its schedule (its CPU \(Int(utilization * 100))% of "
                    + "\(config.threads) thread(s), scheduler lag p99 \(DurationText.format(seconds: lagP99 / 1e6))): "
                    + "the tool or the machine is saturated, so the figures reflect the generator, not only the server; "
                    + "add --threads, lower the rate, or free the machine")
        }
        if merged.missedSends > 0 {
            warnings.append(
                "\(merged.missedSends) sends were due but never went out (in-flight cap \(config.effectiveMaxInFlight) reached): the server did not keep up with the rate"
            )
        }
        if unfinished > 0 { warnings.append("\(unfinished) calls were still in flight after the grace period") }
        let report = RunReport(
            startedAt: ISO8601DateFormatter().string(from: wallStart.addingTimeInterval(config.warmupSeconds)),
            configuration: Self.reportConfiguration(config),
            measuredSeconds: window, interrupted: interrupted,
            total: RunReport.OperationSummary(total, seconds: window),
            operations: Dictionary(
                uniqueKeysWithValues: OperationKind.allCases.compactMap { kind in
                    merged.operations[kind.rawValue].map {
                        (kind.name, RunReport.OperationSummary($0, seconds: window))
                    }
                }),
            errors: merged.errorTable.counts.map {
                RunReport.ErrorCount(
                    operation: $0.key.operation, code: $0.key.code,
                    message: $0.key.message, count: $0.value)
            }
            .sorted { $0.count > $1.count },
            sends: RunReport.SendSummary(
                sent: merged.sent, late: merged.lateSends, capped: merged.cappedSends,
                missed: merged.missedSends, unfinished: unfinished, schedulerLagP99: lagP99,
                schedulerLagMax: Double(merged.schedulerLag.max) / 1_000),
            cpu: RunReport.CPUSummary(
                toolMicrosPerRequest: completed > 0 ? toolCPU / completed : 0,
                toolUtilization: utilization,
                serverMicrosPerRequest: serverCPU.map { completed > 0 ? $0 / completed : 0 },
                saturated: saturated),
            intervals: intervals, spectrum: RunReport.spectrum(total.latency), warnings: warnings)
        return (report, total.latency)
    }

    private func collectInterval(
        _ workers: [NIOLoopBound<LoadWorker>], since: NIODeadline, until: NIODeadline,
        start: NIODeadline, warmup: Bool
    ) async throws -> RunReport.IntervalRow {
        var stats = IntervalStats()
        for worker in workers {
            stats.merge(try await worker.eventLoop.submit { worker.value.takeInterval() }.get())
        }
        return RunReport.IntervalRow(
            stats, elapsed: Double((until - start).nanoseconds) / 1e9,
            seconds: Double((until - since).nanoseconds) / 1e9, warmup: warmup)
    }

    /// `total` split over workers: the first `total % workers` get one more.
    static func split(_ total: Int, worker: Int, workers: Int) -> Int {
        total / workers + (worker < total % workers ? 1 : 0)
    }

    static func rateText(_ profile: RateProfile) -> String {
        guard !profile.stages.isEmpty else { return "\(Int(profile.startRate))/s" }
        return "\(Int(profile.startRate))/s then "
            + profile.stages.map { "\($0.seconds)s→\(Int($0.targetRate))/s" }.joined(separator: ", ")
    }

    static func progressLine(_ row: RunReport.IntervalRow, elapsed: Int) -> String {
        let p99 = DurationText.format(seconds: row.p99 / 1e6), max = DurationText.format(seconds: row.max / 1e6)
        return String(format: "[%4ds] rate %9.0f/s", elapsed, row.rate)
            + "  p99 \(p99)  max \(max)  errors \(row.errors)  in flight \(row.inFlight)"
            + (row.warmup ? "  (warm-up)" : "")
    }

    static func reportConfiguration(_ c: LoadConfiguration) -> RunReport.Configuration {
        RunReport.Configuration(
            target: "\(c.host):\(c.port)", scenario: c.scenario, mix: c.mix.description, model: c.model.rawValue,
            rate: c.model == .open ? c.rate.startRate : nil, stages: c.model == .open ? c.rate.stages : [],
            arrival: c.model == .open ? c.arrival.rawValue : nil, concurrency: c.model == .closed ? c.concurrency : nil,
            maxInFlight: c.model == .open ? c.effectiveMaxInFlight : nil, connections: c.connections,
            threads: c.threads,
            durationSeconds: c.durationSeconds, warmupSeconds: c.warmupSeconds, requests: c.requests,
            timeoutSeconds: c.timeoutSeconds, timerSlackSeconds: c.model == .open ? c.timerSlackSeconds : nil,
            population: c.population)
    }
}
