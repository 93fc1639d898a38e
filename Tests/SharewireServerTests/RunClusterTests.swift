import Foundation
import Logging
import SharewireMessages
import SharewireRPC
import SharewireServer
import SharewireTestSupport
import Testing

/// `tools/run-cluster 2` with the debug sharewired: a PostgreSQL of its own,
/// `sharewired migrate`, two instances; a write on the first is seen by a
/// Check on the second at its revision; SIGTERM to the script stops both
/// instances (by PID) and removes its temp dir. Runs where the PostgreSQL
/// tests run (it needs the same server binaries).
@Suite(.timeLimit(.minutes(3)))
struct RunClusterTests {
    static var script: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("tools/run-cluster").path
    }

    /// Whether `pid` is a live process (a zombie awaiting its reaper is not).
    static func running(_ pid: Int32) -> Bool {
        guard kill(pid, 0) == 0 else { return false }
        let stat = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) ?? ""
        guard let close = stat.lastIndex(of: ")") else { return false }
        return !stat[close...].hasPrefix(") Z")
    }

    @Test func runClusterServesTwoInstancesAndStopsThemByPID() async throws {
        guard try PostgresTestDatabase.serverURL() != nil else {
            try Test.cancel(Comment(rawValue: PostgresTestDatabase.skipReason))
        }
        let dir = try TempDirectory("run-cluster-test")
        defer { dir.remove() }
        let ready = dir.file("ready"), output = dir.file("output")
        // Through python, to unblock every signal first: the child inherits
        // this test process's blocked mask (SIGTERM among them), and bash
        // cannot unblock it, so its trap would never run. A terminal does
        // not block them.
        let child = try ChildProcess(
            "/usr/bin/env",
            [
                "python3", "-c",
                """
                import os, signal, sys
                signal.pthread_sigmask(signal.SIG_SETMASK, set())
                os.execv(sys.argv[1], sys.argv[1:])
                """, Self.script, "2",
            ],
            environment: ChildProcess.inheritedEnvironment(adding: [
                "SHAREWIRED_BIN": try ServerProcess.binary(), "RUN_CLUSTER_READY_FILE": ready,
            ]), stdoutPath: output, mergeStderr: true)
        defer { child.signal(SIGTERM) }

        // Bounded wait for the ready file (PostgreSQL start, migrate, two instances).
        let clock = ContinuousClock()
        let end = clock.now + .seconds(120)
        var addresses: [String] = []
        while addresses.count < 2, child.isRunning, clock.now < end {
            addresses = ((try? String(contentsOfFile: ready, encoding: .utf8)) ?? "")
                .split(separator: "\n").map(String.init)
            if addresses.count < 2 { try await Task.sleep(for: .milliseconds(100)) }
        }
        let text = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
        try #require(addresses.count == 2, "run-cluster did not get ready: \(text)")
        let keyFile = try #require(
            text.split(separator: "\n")
                .first { $0.contains("export SHAREWIRE_SERVICE_KEY_FILE=") }
                .map { String($0.split(separator: "=", maxSplits: 1)[1]) })
        let secret = try String(contentsOfFile: keyFile, encoding: .utf8).trimmingCharacters(
            in: .whitespacesAndNewlines)
        let pids = text.split(separator: "\n").compactMap { line -> Int32? in
            guard let range = line.range(of: "(pid ") else { return nil }
            return Int32(line[range.upperBound...].prefix { $0.isNumber })
        }
        #expect(pids.count == 2, "\(text)")
        let workDir = URL(fileURLWithPath: keyFile).deletingLastPathComponent().path

        let clients = addresses.map { address -> RPCClient in
            let parts = address.split(separator: ":")
            var config = ClientConfiguration(host: String(parts[0]), port: Int(parts[1])!)
            config.defaultTimeout = .seconds(20)
            var logger = Logger(label: "test.run-cluster")
            logger.logLevel = .critical
            return RPCClient(configuration: config, logger: logger)
        }
        let service = [MetadataEntry(key: "authorization", value: "Bearer \(secret)")]
        let owner: CreateAccountResponse = try await clients[0].unary(
            Sharewire_V1.AccountService.Method.CreateAccount.descriptor,
            CreateAccountRequest(email: "owner@example.com"), metadata: service)
        let auth = [MetadataEntry(key: "authorization", value: "Bearer \(owner.apiKey)")]
        let device: RegisterDeviceResponse = try await clients[0].unary(
            Sharewire_V1.DeviceService.Method.Register.descriptor,
            RegisterDeviceRequest(
                name: "pi", services: [NewService(name: "ssh", port: 22, protocol: "ssh")]), metadata: auth)
        let check: CheckPortResponse = try await clients[1].unary(
            Sharewire_V1.CheckService.Method.Check.descriptor,
            CheckPortRequest(
                userID: owner.account.id, deviceID: device.device.id, port: 22,
                minRevision: device.revision), metadata: service)
        #expect(check.allowed)
        for c in clients { c.close() }

        // SIGTERM to the script: it stops the instances and PostgreSQL, then exits.
        try await child.stop(signal: SIGTERM, timeout: .seconds(60))
        for pid in pids { #expect(!Self.running(pid), "instance \(pid) still runs") }
        #expect(!FileManager.default.fileExists(atPath: workDir), "\(workDir) was not removed")
    }
}
