import Foundation
import SharewireTestSupport
import Testing

@testable import SharewireLoad

/// Each scenario for a short, bounded run against a real `sharewired`
/// (`$SHAREWIRED_BIN` or the build directory's, on a free loopback port, fresh data dir).
/// Not serialized: `tools/test` runs this suite in a pass of its own with at
/// most 4 tests at once (each run is 300 calls/s, well within two cores).
@Suite struct EndToEndTests {
    static func config(_ scenario: Scenario, port: Int, key: String) -> LoadConfiguration {
        var c = LoadConfiguration()
        c.port = port
        c.serviceKey = key
        c.scenario = scenario.rawValue
        c.mix = scenario.mix
        c.rate = .constant(300)
        c.durationSeconds = 1
        c.warmupSeconds = 0.3
        // Generous: these runs check the tool's pipeline, not the server's speed; a
        // 5 s deadline failed bulk shares while other suites loaded both cores.
        c.timeoutSeconds = 20
        c.connections = 2
        c.population.owners = 6
        c.population.devicesPerOwner = 3
        c.population.contactsPerOwner = 4
        c.population.shareDevices = 3
        c.population.shareContacts = 2
        return c
    }

    func withServer(_ body: (ServerLauncher) async throws -> Void) async throws {
        let binary = try builtBinary(named: "sharewired", environmentVariable: "SHAREWIRED_BIN")
        let server = try await ServerLauncher(binary: binary)
        do {
            try await body(server)
        } catch {
            await server.shutdown()
            throw error
        }
        await server.shutdown()
    }

    func run(_ config: LoadConfiguration) async throws -> (RunReport, LatencyHistogram) {
        var load = LoadRun(configuration: config)
        load.log = { _ in }
        return try await load.run()
    }

    @Test(arguments: Scenario.allCases)
    func scenarioRunsCleanly(_ scenario: Scenario) async throws {
        try await withServer { server in
            let (report, histogram) = try await run(Self.config(scenario, port: server.port, key: server.serviceKey))
            #expect(report.errors.isEmpty, "\(scenario): \(report.errors)")
            #expect(report.total.errors == 0)
            // 300/s over 1 s measured: about 300 calls (the server keeps up at this rate).
            #expect(report.total.completed > 200, "\(scenario) completed \(report.total.completed)")
            #expect(report.total.completed <= 310)
            #expect(histogram.totalCount == report.total.completed)
            for operation in scenario.mix.operations {
                #expect((report.operations[operation.name]?.completed ?? 0) > 0, "\(operation.name) never ran")
            }
            #expect(report.sends.missed == 0)
            #expect(report.total.latency.p50 > 0)
            #expect(report.intervals.contains { $0.warmup } && report.intervals.contains { !$0.warmup })
            // Reports parse back and render.
            let decoded = try RunReport.decode(report.encoded())
            #expect(decoded == report)
            #expect(TextReports.csv(report).split(separator: "\n").count == report.intervals.count + 1)
            #expect(TextReports.hgrm(histogram).contains("#[Max"))
            #expect(HTMLReport.render(report).contains("<svg"))
        }
    }

    @Test(arguments: [BulkAccess.ports, .scripts])
    func bulkShareByPortNumberOrScriptsOnly(_ access: BulkAccess) async throws {
        try await withServer { server in
            var config = Self.config(.bulkShare, port: server.port, key: server.serviceKey)
            config.population.shareAccess = access
            config.durationSeconds = 0.8
            let (report, _) = try await run(config)
            #expect(report.errors.isEmpty, "\(report.errors)")
            #expect(report.total.completed > 100)
        }
    }

    @Test func closedLoopWithRequestCapStopsAtTheCap() async throws {
        try await withServer { server in
            var config = Self.config(.check, port: server.port, key: server.serviceKey)
            config.model = .closed
            config.concurrency = 8
            config.requests = 1_000
            config.threads = 2  // two workers on two event loops
            config.durationSeconds = 30
            let (report, _) = try await run(config)
            #expect(report.total.completed == 1_000)
            #expect(report.total.errors == 0)
            #expect(report.measuredSeconds < 30)
        }
    }

    /// More connections than calls in flight: the extra workers stay idle,
    /// so concurrency stays what was asked and a request cap is exact.
    @Test func closedLoopWithMoreConnectionsThanCallsKeepsItsConcurrency() async throws {
        try await withServer { server in
            var config = Self.config(.echo, port: server.port, key: server.serviceKey)
            config.model = .closed
            config.concurrency = 1
            config.connections = 4
            config.durationSeconds = 1.2
            let (report, _) = try await run(config)
            #expect(report.total.completed > 100)
            #expect(report.intervals.allSatisfy { $0.inFlight <= 1 }, "\(report.intervals.map(\.inFlight))")
            config.requests = 3
            config.durationSeconds = 30
            let (capped, _) = try await run(config)
            #expect(capped.total.completed == 3)
        }
    }

    @Test func echoNeedsNoServiceKeyButSeedingDoes() async throws {
        try await withServer { server in
            var config = Self.config(.echo, port: server.port, key: server.serviceKey)
            config.serviceKey = nil
            config.durationSeconds = 0.5
            let (report, _) = try await run(config)
            #expect(report.total.completed > 0)
            var check = Self.config(.check, port: server.port, key: server.serviceKey)
            check.serviceKey = nil
            await #expect(throws: LoadError.self) { try await run(check) }
        }
    }

    @Test func stopSignalEndsTheRunAndStillReports() async throws {
        try await withServer { server in
            var config = Self.config(.echo, port: server.port, key: server.serviceKey)
            config.durationSeconds = 60
            var load = LoadRun(configuration: config)
            // Stopped at the first progress line (a second into the run): calls
            // are under way, and the window has 59 s to go.
            let signal = load.stopSignal
            load.log = { line in if line.hasPrefix("[") { signal.stop() } }
            let clock = ContinuousClock()
            let started = clock.now
            let (report, _) = try await load.run()
            #expect(signal.isStopped)
            #expect(clock.now - started < .seconds(20))
            #expect(report.interrupted)
            #expect(report.total.completed > 0)
        }
    }

    @Test func serverGoingAwayShowsAsConnectionErrorsAndTheRunStillEnds() async throws {
        let binary = try builtBinary(named: "sharewired", environmentVariable: "SHAREWIRED_BIN")
        let server = try await ServerLauncher(binary: binary)
        var config = Self.config(.echo, port: server.port, key: server.serviceKey)
        config.durationSeconds = 2
        config.connections = 1
        var load = LoadRun(configuration: config)
        // The server is stopped at the first progress line (a second into the
        // 2 s run, calls under way); after 20 s without one, anyway.
        let progress = EventCounter()
        load.log = { line in if line.hasPrefix("[") { progress.add() } }
        let stopper = Task {
            _ = await progress.wait(timeout: .seconds(20))
            await server.shutdown()
        }
        let clock = ContinuousClock()
        let started = clock.now
        let (report, _) = try await load.run()
        await stopper.value
        #expect(clock.now - started < .seconds(15))
        #expect(report.total.ok > 100)
        // Calls after the server left failed (or never went out); none is silently dropped.
        #expect(report.total.errors + report.sends.missed > 0)
        #expect(report.total.connectionErrors > 0 || report.sends.missed > 0)
    }
}
