import ArgumentParser
import Foundation
import NIOPosix
import SharewireLoad
import SharewireMessages
import SharewireRPC

/// `sharewire-bench`: unary Echo throughput and latency over loopback, with
/// the server's CPU cost per call.
@main
struct SharewireBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sharewire-bench",
        abstract: "Benchmark Sharewire unary calls (Echo, Check, Share, bulk Share) over loopback.",
        discussion: """
            Starts `sharewired` as a child process on a free loopback port, then
            runs a closed-loop echo load for every (connections, concurrency) cell
            and prints calls/s, latency percentiles, and CPU microseconds per call
            for the server (from /proc/<pid>/stat) and for this load generator
            (from getrusage). Build with -c release for meaningful figures.

            Example:
              swift build -c release
              .build/release/sharewire-bench --duration 5 --json bench.json
            """
    )

    @Option(help: "Path to the sharewired binary (default: next to this one).")
    var server: String?

    @Option(
        help: """
            Load a server that is already running on 127.0.0.1:<port> instead of starting one (the caller \
            starts and stops it, e.g. pinned with taskset). check/share/bulk-share seed it with the service \
            key in SHAREWIRE_SERVICE_KEY.
            """)
    var targetPort: Int?

    @Option(help: "With --target-port: the server's PID, whose CPU time is read from /proc/<pid>/stat.")
    var serverPid: Int32?

    @Option(help: "Event-loop threads for the server.")
    var serverThreads = 1

    @Option(help: "Event-loop threads for the load generator.")
    var clientThreads = 1

    @Option(parsing: .upToNextOption, help: "Concurrency levels (calls in flight).")
    var concurrency: [Int] = [1, 16, 64, 256]

    @Option(parsing: .upToNextOption, help: "Connection counts.")
    var connections: [Int] = [1, 4]

    @Option(help: "Measured seconds per cell.")
    var duration: Double = 3

    @Option(help: "Warm-up seconds per cell, excluded from the results.")
    var warmup: Double = 1

    @Option(help: "Echo payload size in bytes.")
    var payloadSize = 16

    @Option(
        help: """
            Method to load: echo (Diagnostics/Echo), check (CheckService/Check with an account key), \
            share (durable 1 device x 1 contact PORTS share per call) or bulk-share (devices x contacts \
            ALL + scripting share, then RemoveShares of the same pairs, alternating).
            """)
    var method: BenchMethod = .echo

    @Flag(
        help:
            "check: the benchmark's share expires (in a year), so every Check also compares the expiry with the snapshot's clock."
    )
    var expiringShare = false

    @Option(help: "share/bulk-share: devices the owner registers (default 64 for share, 100 for bulk-share).")
    var devices: Int?

    @Option(
        help:
            "share: recipient contacts (default 64, at least the highest concurrency); bulk-share: contacts per call (default 10)."
    )
    var contacts: Int?

    @Flag(
        help:
            "Run the server with its Prometheus metrics on (to measure their cost); also reports its group commits per cell."
    )
    var metrics = false

    @Option(
        help: ArgumentHelp(
            "Instead of the cells: a probe's Check latency alone, then during a burst of this many wrong-key calls (needs --method check).",
            discussion:
                "The probe is one call at a time on its own, already authenticated connection; the burst comes from --auth-burst-clients clients. Prints both latency rows and the burst's outcomes."
        ))
    var authBurst: Int?

    @Option(help: "With --auth-burst: clients sending the wrong-key calls at once.")
    var authBurstClients = 16

    @Option(
        help:
            "Connect with TLS, trusting the CA certificates in this PEM file (echo and check only; the certificate must name 127.0.0.1 unless --tls-server-name)."
    )
    var tlsCAFile: String?

    @Option(help: "With --tls-ca-file: the name the server's certificate must carry.")
    var tlsServerName: String?

    @Option(
        help: ArgumentHelp(
            "Instead of the cells: open this many new connections, --concurrency of them at a time, each doing its handshakes and one Echo, then closing.",
            discussion:
                "Reports connections/s and the server's CPU per connection; with --tls-ca-file every connection is a full TLS handshake (no session resumption)."
        ))
    var reconnectStorm: Int?

    @Option(
        help: ArgumentHelp(
            "Instead of the cells: the change-feed lag from the --target-port instance to the instance on this port (a cluster on PostgreSQL).",
            discussion:
                "One at a time: a Share update on the target, then a Check on this instance with min_revision = its revision; prints that Check's latency percentiles and the same Check's with min_revision 0. Needs --target-port and SHAREWIRE_SERVICE_KEY; runs for --duration seconds."
        ))
    var feedLagPort: Int?

    @Flag(
        help:
            "Instead of the cells: encode + decode per message type in this process (ns per round trip, best of 7 rounds); no server."
    )
    var codec = false

    @Option(
        parsing: .upToNextOption,
        help: ArgumentHelp(
            "Instead of the cells: build states of these many shares in this process and print heap bytes per share and restore time; no server.",
            discussion:
                "The heap is glibc's count of bytes in use (malloc_info), so the figures are exact; tools/bench/snapshot runs it."
        ))
    var snapshotSize: [Int] = []

    @Flag(help: "With --snapshot-size: also the heap of each map of the state.")
    var snapshotMaps = false

    @Option(help: "Also write the results as JSON to this path.")
    var json: String?

    /// TLS to the server, when asked for.
    var tls: ClientTLS? {
        tlsCAFile.map { ClientTLS(caFile: $0, serverName: tlsServerName) }
    }

    func validate() throws {
        guard duration > 0, duration <= 600, warmup >= 0, warmup <= 60 else {
            throw ValidationError("--duration must be in (0, 600] and --warmup in [0, 60]")
        }
        guard concurrency.allSatisfy({ (1...10_000).contains($0) }), connections.allSatisfy({ (1...64).contains($0) })
        else {
            throw ValidationError("concurrency must be 1...10000 and connections 1...64")
        }
        guard targetPort.map({ (1...65535).contains($0) }) ?? true else {
            throw ValidationError("--target-port must be 1...65535")
        }
        guard serverPid == nil || targetPort != nil else { throw ValidationError("--server-pid needs --target-port") }
        guard targetPort == nil || !metrics else {
            throw ValidationError("--metrics needs a server started by the benchmark")
        }
        guard (0...(1 << 20)).contains(payloadSize) else { throw ValidationError("--payload-size must be 0...1048576") }
        if let authBurst {
            guard method == .check, (1...10_000_000).contains(authBurst), (1...1024).contains(authBurstClients) else {
                throw ValidationError(
                    "--auth-burst needs --method check, 1...10000000 calls and 1...1024 --auth-burst-clients")
            }
        }
        if tlsCAFile != nil, method != .echo, method != .check {
            throw ValidationError("--tls-ca-file supports --method echo and check")
        }
        if tlsServerName != nil, tlsCAFile == nil { throw ValidationError("--tls-server-name needs --tls-ca-file") }
        if let reconnectStorm {
            guard (1...1_000_000).contains(reconnectStorm), method == .echo, authBurst == nil else {
                throw ValidationError("--reconnect-storm needs 1...1000000 connections and --method echo")
            }
        }
        if let feedLagPort {
            guard targetPort != nil, (1...65535).contains(feedLagPort) else {
                throw ValidationError("--feed-lag-port needs --target-port and must be 1...65535")
            }
        }
        guard (devices ?? 1) >= 1, (contacts ?? 1) >= 1, (devices ?? 1) * (contacts ?? 1) <= 10_000 else {
            throw ValidationError("--devices and --contacts must be at least 1, with devices x contacts at most 10000")
        }
    }

    func run() async throws {
        if !snapshotSize.isEmpty {
            try SnapshotSize.report(sizes: snapshotSize, perMap: snapshotMaps)
            return
        }
        if codec {
            let rows = try CodecBench.run()
            emit("| message | bytes | ns per encode + decode |")
            emit("|---|---:|---:|")
            for row in rows {
                emit("| \(row.message) | \(row.bytes) | \(String(format: "%.0f", row.nanosPerRoundTrip)) |")
            }
            if let json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                try encoder.encode(rows).write(to: URL(fileURLWithPath: json))
            }
            return
        }
        let target: (port: Int, pid: Int32?, metricsPort: Int?)
        let serviceKey: String
        var launched: ServerLauncher?
        defer { launched?.stop() }
        if let targetPort {
            serviceKey = ProcessInfo.processInfo.environment["SHAREWIRE_SERVICE_KEY"] ?? ""
            if method != .echo, serviceKey.isEmpty {
                throw BenchError(
                    "--method \(method.rawValue) with --target-port needs the server's service key in SHAREWIRE_SERVICE_KEY"
                )
            }
            target = (targetPort, serverPid, nil)
        } else {
            guard let binary = server ?? ServerLauncher.findBinary(),
                FileManager.default.isExecutableFile(atPath: binary)
            else {
                throw BenchError("sharewired not found next to this binary or at --server; build it or pass --server")
            }
            // A fresh data directory and service key per run: the server persists what the setup writes.
            let started = try await ServerLauncher(
                binary: binary, threads: serverThreads,
                extraArguments: metrics ? ["--metrics-port", "0"] : [])
            launched = started
            serviceKey = started.serviceKey
            target = (started.port, started.pid, started.metricsPort)
        }
        if let feedLagPort {
            guard !serviceKey.isEmpty else {
                throw BenchError("--feed-lag-port needs the service key in SHAREWIRE_SERVICE_KEY")
            }
            let group = MultiThreadedEventLoopGroup(numberOfThreads: clientThreads)
            emit("feed lag: writes on port \(target.port), Checks on port \(feedLagPort), \(duration)s")
            let lines = try await FeedLag(
                writePort: target.port, readPort: feedLagPort, serviceKey: serviceKey,
                duration: .milliseconds(Int64(duration * 1000)), group: group
            ).run()
            lines.forEach(emit)
            try await group.shutdownGracefully()
            return
        }
        let call: BenchCall
        let maxConcurrency = concurrency.max() ?? 1
        var seeded = ""
        switch method {
        case .echo:
            let request = EchoRequest(payload: Array(repeating: 0x5A, count: payloadSize))
            call = { client, _ in
                _ = try await client.unary(
                    Sharewire_V1.Diagnostics.Method.Echo.descriptor, request, responseType: EchoResponse.self)
            }
        case .check:
            call = try await CheckSetup.prepare(
                port: target.port, tls: tls, serviceKey: serviceKey, expiring: expiringShare)
        case .share:
            // One contact per worker, so concurrent writes never race on a pair.
            let (d, c) = (devices ?? 64, max(contacts ?? 64, maxConcurrency))
            call = try await ShareSetup.prepare(
                port: target.port, serviceKey: serviceKey,
                devices: d, contacts: c, workers: maxConcurrency)
            seeded = ", \(d) devices x \(c) contacts, 1x1 PORTS share per call"
        case .bulkShare:
            // One group of contacts per worker, so a share and a remove never race on a pair.
            let (d, c) = (devices ?? 100, contacts ?? 10)
            call = try await BulkShareSetup.prepare(
                port: target.port, serviceKey: serviceKey,
                devices: d, contacts: c, sets: maxConcurrency)
            seeded = ", \(d)x\(c) ALL+scripting share / remove per call, \(maxConcurrency) contact groups"
        }
        let group = MultiThreadedEventLoopGroup(numberOfThreads: clientThreads)

        emit(
            "sharewire-bench: \(method.rawValue)\(metrics ? " (metrics on)" : ""), server pid \(target.pid.map(String.init) ?? "unknown") port \(target.port), "
                + "server threads \(serverThreads), client threads \(clientThreads), payload \(payloadSize) B, "
                + "\(warmup)s warm-up + \(duration)s per cell\(seeded)")
        if let reconnectStorm {
            let parallel = concurrency.max() ?? 1
            emit(
                "reconnect storm: \(reconnectStorm) connections, \(parallel) at a time, \(tls == nil ? "plaintext" : "TLS")"
            )
            let result = try await ReconnectStorm(
                port: target.port, tls: tls, connections: reconnectStorm,
                parallel: parallel, serverPID: target.pid, group: group
            ).run()
            emit(ReconnectStorm.header)
            emit(result.row)
            if let json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                try encoder.encode(result).write(to: URL(fileURLWithPath: json))
            }
            try await group.shutdownGracefully()
            return
        }
        if let authBurst {
            emit(
                "auth burst: probe alone for \(duration)s, then during the burst (server pid \(target.pid.map(String.init) ?? "unknown"))"
            )
            let lines = try await AuthBurst(
                port: target.port, wrongKeys: authBurst, attackers: authBurstClients, probe: call,
                duration: .milliseconds(Int64(duration * 1000)), group: group
            ).run()
            lines.forEach(emit)
            try await group.shutdownGracefully()
            return
        }
        var results: [CellResult] = []
        var commitLines: [String] = []
        emit(BenchTable.header)
        for conns in connections {
            for conc in concurrency {
                let load = EchoLoad(
                    port: target.port, tls: tls, concurrency: conc, connections: conns,
                    call: call, warmup: .milliseconds(Int64(warmup * 1000)),
                    duration: .milliseconds(Int64(duration * 1000)), group: group,
                    serverPID: target.pid, metricsPort: target.metricsPort)
                let result = try await load.run()
                results.append(result)
                emit(BenchTable.row(result))
                if let line = BenchTable.commits(result) { commitLines.append(line) }
            }
        }
        if !commitLines.isEmpty {
            emit("")
            emit(BenchTable.commitHeader)
            commitLines.forEach(emit)
        }
        try await group.shutdownGracefully()
        if let json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try encoder.encode(
                BenchReport(
                    date: ISO8601DateFormatter().string(from: Date()), method: method.rawValue,
                    serverThreads: serverThreads, clientThreads: clientThreads,
                    payloadSize: payloadSize, cells: results)
            )
            .write(to: URL(fileURLWithPath: json))
            emit("wrote \(json)")
        }
    }
}

struct BenchReport: Codable {
    var version = 1
    var date: String
    var method: String
    var serverThreads: Int
    var clientThreads: Int
    var payloadSize: Int
    var cells: [CellResult]
}

/// Markdown table output.
enum BenchTable {
    static let header = """
        | conns | conc | calls/s | p50 µs | p99 µs | p99.9 µs | server CPU µs/call | client CPU µs/call | errors |
        |---:|---:|---:|---:|---:|---:|---:|---:|---:|
        """

    static func row(_ r: CellResult) -> String {
        func f(_ v: Double, _ digits: Int = 1) -> String { String(format: "%.\(digits)f", v) }
        let server = r.serverCPUMicrosPerCall.map { f($0, 2) } ?? "n/a"
        return
            "| \(r.connections) | \(r.concurrency) | \(f(r.callsPerSecond, 0)) | \(f(r.p50Micros)) | \(f(r.p99Micros)) "
            + "| \(f(r.p999Micros)) | \(server) | \(f(r.clientCPUMicrosPerCall, 2)) | \(r.errors) |"
    }

    /// Group commits (from the server's metrics, so only with --metrics).
    static let commitHeader = """
        | conns | conc | commits/s | writes/commit | ms/commit (SQLite transaction) |
        |---:|---:|---:|---:|---:|
        """

    static func commits(_ r: CellResult) -> String? {
        guard let perSecond = r.commitsPerSecond, let writes = r.writesPerCommit else { return nil }
        func f(_ v: Double, _ digits: Int = 1) -> String { String(format: "%.\(digits)f", v) }
        return
            "| \(r.connections) | \(r.concurrency) | \(f(perSecond, 0)) | \(f(writes, 2)) | \(r.commitMillis.map { f($0, 3) } ?? "n/a") |"
    }
}

/// Prints a line and flushes, so rows appear as each cell finishes even
/// when stdout is a pipe.
func emit(_ line: String) {
    print(line)
    fflush(nil)
}

extension BenchMethod: ExpressibleByArgument {}
