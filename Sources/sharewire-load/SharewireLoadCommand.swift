import ArgumentParser
import Dispatch
import Foundation
import SharewireLoad

/// `sharewire-load`: an open-loop (or closed-loop) load generator for sharewired.
@main
struct SharewireLoadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sharewire-load",
        abstract:
            "Load-test a Sharewire server with built-in scenarios; honest latency (coordinated omission corrected).",
        discussion: """
            Exit status: 0 when the run passed every --fail-if, 3 when a threshold failed, \
            1 on an error, 64 on a usage error.
            """,
        subcommands: [Run.self, Compare.self],
        defaultSubcommand: Run.self)
}

/// Exit status when a `--fail-if` threshold fails.
let thresholdFailed: Int32 = 3

struct Run: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Seed, load and report (the default subcommand).",
        discussion: """
            Scenarios: check (read-heavy Check on a seeded population), bulk-share (share N devices x M \
            contacts then unshare), mixed (95% check, 4% share, 1% transfer), churn (contacts created, \
            invited, deleted), echo (protocol only). --mix gives any weighted mix of the operations \
            echo, check, share, bulk-share, transfer, churn.

            Open loop is the default: sends follow --rate (constant or --arrival poisson, with --stage \
            ramps) whatever the server does, and latency runs from each send's intended time, so a \
            stalled server shows in the percentiles. --concurrency switches to a closed loop.

            Examples:
              # Start a throwaway sharewired and check at 20,000/s for 10 s:
              sharewire-load --spawn-server --scenario check --rate 20000 --duration 10s
              # Against a running server (its service key seeds accounts), with reports:
              SHAREWIRE_SERVICE_KEY=... sharewire-load --target 127.0.0.1:7070 --scenario mixed \\
                  --rate 5000 --json run.json --html run.html --csv run.csv --hgrm run.hgrm
              # Ramp 0 -> 50,000/s over 20 s, hold 10 s; fail the CI job if p99 > 1 ms:
              sharewire-load --spawn-server --stage 20s:50000 --stage 10s:50000 --fail-if 'p99>1ms'
              # bulk-share 100 devices x 10 contacts, closed loop with 4 in flight:
              sharewire-load --spawn-server --scenario bulk-share --devices-per-owner 100 \\
                  --share-devices 100 --share-contacts 10 --owners 21 --concurrency 4
              # Compare two runs:
              sharewire-load compare before.json after.json
            """)

    @Option(help: "Server to load, HOST:PORT. Loopback only unless --allow-remote.")
    var target = "127.0.0.1:7070"

    @Flag(help: "Allow a non-loopback --target.")
    var allowRemote = false

    @Flag(
        help:
            "Start a fresh sharewired (next to this binary, or --server-binary) on a free loopback port with a temp data dir, and stop it at the end."
    )
    var spawnServer = false

    @Option(help: "The sharewired binary for --spawn-server.")
    var serverBinary: String?

    @Option(help: "Event-loop threads of the spawned server.")
    var serverThreads = 1

    @Option(
        help:
            "Also report the CPU per request of this local process (a server you started, e.g. pinned with taskset), from /proc/<pid>/stat. Not with --spawn-server, which measures its own."
    )
    var serverPID: Int32?

    @Option(help: "File holding the server's service key (else $SHAREWIRE_SERVICE_KEY); needed to seed accounts.")
    var serviceKeyFile: String?

    @Option(help: "Scenario: \(Scenario.allCases.map(\.rawValue).joined(separator: ", ")).")
    var scenario = "check"

    @Option(help: "A weighted mix instead of a scenario, e.g. 'check=95,share=4,transfer=1'.")
    var mix: String?

    @Option(help: "Open loop: arrivals per second (the start rate when --stage is given).")
    var rate: Double?

    @Option(help: "Open loop: 'constant' (evenly spaced) or 'poisson'.")
    var arrival = "constant"

    @Option(
        name: .customLong("stage"),
        help:
            "Open loop ramp stage DURATION:RATE, repeatable (e.g. --stage 10s:5000 --stage 30s:5000). Rate ramps linearly from the previous stage (or --rate, default 0)."
    )
    var stages: [String] = []

    @Option(help: "Closed loop: calls in flight in total (selects the closed loop).")
    var concurrency: Int?

    @Option(
        help:
            "Open loop: most calls in flight (default 1024 per connection); due sends beyond it wait and count as late, or missed at the end."
    )
    var maxInFlight: Int?

    @Option(help: "Connections (one worker each), independent of concurrency.")
    var connections = 1

    @Option(help: "Event-loop threads of this tool.")
    var threads = 1

    @Option(help: "Measured duration, e.g. 30s, 2m (default 10s, at most 1h).")
    var duration = "10s"

    @Option(help: "Warm-up before the measured window, excluded from results (default 1s).")
    var warmup = "1s"

    @Option(help: "Stop after this many measured requests (the run also stops at --duration).")
    var requests: UInt64?

    @Option(help: "Deadline of each call (default 5s).")
    var timeout = "5s"

    @Option(
        help:
            "Open loop: least time between a worker's timer wake-ups, e.g. 200us (default 0: every send at its exact time). Sends due in between go out together, late by up to this (their latency includes it): less CPU per request at high rates."
    )
    var timerSlack = "0"

    @Option(
        help:
            "Open loop, exact timers: a send due within this is waited for on the CPU and sent in the same wake-up instead of arming a timer and sleeping, e.g. 10us (default 0: off; it saved no CPU on a loaded 2-core VM, see docs/LOAD.md). Never sends early or late."
    )
    var spin = "0"

    @Option(help: "Seeded owners (each also a contact of others).")
    var owners = 100
    @Option(help: "Devices per owner.")
    var devicesPerOwner = 10
    @Option(help: "Services per device (ports 22, 8001, 8002, ...).")
    var servicesPerDevice = 2
    @Option(help: "Contacts per owner (other owners): 1/4 get ALL, 1/4 PORTS, 1/2 stay free for bulk-share.")
    var contactsPerOwner = 20
    @Option(help: "bulk-share: devices per call.")
    var shareDevices = 10
    @Option(help: "bulk-share: contacts per call.")
    var shareContacts = 10
    @Option(
        help:
            "bulk-share: 'all', 'ports' (PORTS on port 22, resolved on every device) or 'scripts' (scripts-only PORTS)."
    )
    var shareAccess = "all"
    @Flag(inversion: .prefixedNo, help: "bulk-share: grant scripting.")
    var shareScripting = true
    @Option(help: "Seed of the population, the operation order and Poisson arrivals.")
    var seed: UInt64 = 1

    @Option(help: "Write the versioned JSON report here.") var json: String?
    @Option(help: "Write per-second rows as CSV here.") var csv: String?
    @Option(help: "Write the latency distribution in HdrHistogram .hgrm format here.") var hgrm: String?
    @Option(help: "Write a self-contained HTML report with charts here.") var html: String?

    @Option(
        name: .customLong("fail-if"),
        help:
            "Fail (exit 3) if this holds, repeatable: 'p99>5ms', 'errors>0.1%', 'rate<1000', 'missed>0', 'check.p99.9>2ms', 'cpu>5'."
    )
    var failIf: [String] = []

    @Flag(help: "No progress lines.")
    var quiet = false

    func seconds(_ text: String, _ flag: String) throws -> Double {
        guard let s = DurationText.seconds(text) else {
            throw ValidationError("\(flag) '\(text)' is not a duration (e.g. 10s, 500ms, 2m)")
        }
        return s
    }

    func makeConfiguration() throws -> LoadConfiguration {
        var c = LoadConfiguration()
        (c.host, c.port) = try TargetPolicy.parse(target)
        c.allowRemote = allowRemote
        if let mix {
            c.mix = try OperationMix(parsing: mix)
            c.scenario = "custom"
        } else {
            guard let s = Scenario(rawValue: scenario) else {
                throw ValidationError(
                    "unknown scenario '\(scenario)'; known: \(Scenario.allCases.map(\.rawValue).joined(separator: ", "))"
                )
            }
            c.mix = s.mix
            c.scenario = s.rawValue
        }
        if let concurrency {
            guard rate == nil, stages.isEmpty else {
                throw ValidationError(
                    "--concurrency (closed loop) cannot be combined with --rate or --stage (open loop)")
            }
            c.model = .closed
            c.concurrency = concurrency
        } else {
            let parsed = try stages.map { try RateStage(parsing: $0) }
            c.rate = RateProfile(startRate: rate ?? (parsed.isEmpty ? 1_000 : 0), stages: parsed)
            guard let process = ArrivalProcess(rawValue: arrival) else {
                throw ValidationError("--arrival must be constant or poisson")
            }
            c.arrival = process
        }
        c.maxInFlight = maxInFlight
        c.connections = connections
        c.threads = threads
        c.durationSeconds = try seconds(duration, "--duration")
        c.warmupSeconds = try seconds(warmup, "--warmup")
        c.requests = requests
        c.timeoutSeconds = try seconds(timeout, "--timeout")
        c.timerSlackSeconds = try seconds(timerSlack, "--timer-slack")
        c.spinSeconds = try seconds(spin, "--spin")
        var p = PopulationShape()
        p.owners = owners
        p.devicesPerOwner = devicesPerOwner
        p.servicesPerDevice = servicesPerDevice
        p.contactsPerOwner = contactsPerOwner
        p.shareDevices = shareDevices
        p.shareContacts = shareContacts
        guard let access = BulkAccess(rawValue: shareAccess) else {
            throw ValidationError("--share-access must be all, ports or scripts")
        }
        p.shareAccess = access
        p.shareScripting = shareScripting
        p.seed = seed
        c.population = p
        if let serviceKeyFile {
            c.serviceKey = try String(contentsOfFile: serviceKeyFile, encoding: .utf8).trimmingCharacters(
                in: .whitespacesAndNewlines)
        } else {
            c.serviceKey = ProcessInfo.processInfo.environment["SHAREWIRE_SERVICE_KEY"]
        }
        try c.validate()
        return c
    }

    func run() async throws {
        var config = try makeConfiguration()
        let thresholds = try failIf.map { try Threshold(parsing: $0) }
        var server: ServerLauncher?
        if let serverPID {
            guard !spawnServer else { throw ValidationError("--server-pid and --spawn-server: pick one") }
            guard ProcessCPU.microseconds(pid: serverPID) != nil else {
                throw ValidationError(
                    "--server-pid \(serverPID): no such local process (cannot read /proc/\(serverPID)/stat)")
            }
        }
        if spawnServer {
            guard let binary = serverBinary ?? ServerLauncher.findBinary() else {
                throw ValidationError("--spawn-server: sharewired not found next to this binary; pass --server-binary")
            }
            server = try await ServerLauncher(binary: binary, threads: serverThreads)
            config.host = "127.0.0.1"
            config.port = server!.port
            config.serviceKey = server!.serviceKey
            log("started sharewired pid \(server!.pid) on 127.0.0.1:\(server!.port)")
        }
        defer { server?.stop() }
        var load = LoadRun(configuration: config)
        load.serverPID = server?.pid ?? serverPID
        if quiet { load.log = { line in if !line.hasPrefix("[") { log(line) } } }
        // Ctrl-C (or SIGTERM) ends the run gracefully and the reports are still written;
        // a second one exits at once, after stopping the server this tool started.
        let stop = load.stopSignal
        let spawnedPID = server?.pid
        let sources = [SIGINT, SIGTERM].map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler {
                if stop.isStopped {
                    if let spawnedPID { kill(spawnedPID, SIGTERM) }
                    _exit(130)
                }
                log("interrupted: stopping and writing reports (Ctrl-C again to quit now)")
                stop.stop()
            }
            source.resume()
            return source
        }
        defer { sources.forEach { $0.cancel() } }

        let (report, histogram) = try await load.run()
        print(TextReports.summary(report))
        for path in try ReportFiles(json: json, csv: csv, hgrm: hgrm, html: html).write(report, histogram: histogram) {
            log("wrote \(path)")
        }
        let failures = thresholds.compactMap { $0.violation(in: report) }
        for failure in failures { print("FAILED --fail-if \(failure)") }
        if !thresholds.isEmpty && failures.isEmpty { print("passed \(thresholds.count) threshold(s)") }
        fflush(nil)
        if !failures.isEmpty {
            server?.stop()
            throw ExitCode(thresholdFailed)
        }
    }
}

struct Compare: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the deltas between two JSON reports (B against A).",
        discussion: """
            Example:
              sharewire-load compare baseline.json candidate.json --fail-if 'p99>2ms'
            --fail-if here checks report B.
            """)

    @Argument(help: "Baseline report (A).") var a: String
    @Argument(help: "Candidate report (B).") var b: String
    @Option(name: .customLong("fail-if"), help: "Fail (exit 3) if this holds for report B, repeatable.")
    var failIf: [String] = []

    func run() async throws {
        let thresholds = try failIf.map { try Threshold(parsing: $0) }
        let reportA = try RunReport.decode(Data(contentsOf: URL(fileURLWithPath: a)))
        let reportB = try RunReport.decode(Data(contentsOf: URL(fileURLWithPath: b)))
        print(ReportComparison.text(reportA, reportB, nameA: a, nameB: b))
        let failures = thresholds.compactMap { $0.violation(in: reportB) }
        for failure in failures { print("FAILED --fail-if \(failure)") }
        if !failures.isEmpty { throw ExitCode(thresholdFailed) }
    }
}

/// A line on stderr.
func log(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}

extension LoadError: LocalizedError {
    public var errorDescription: String? { description }
}
