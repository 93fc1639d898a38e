import Foundation
import Logging
import SharewireMessages
import SharewireRPC
import SharewireServer
import SharewireTestSupport
import SharingDomain
import SharingStore
import Testing

/// The real `sharewired` at start and stop: what it prints, when it refuses
/// to start, and what it leaves in its data directory.
@Suite(.timeLimit(.minutes(5)), .serialized)
struct StartupTests {
    static let secret = "startup-tests-service-key-8c2e4a6f1b3d5e7a9c0b"
    static let file = SharingStore.fileName

    /// A server on `dataDir` that acknowledged one account, then got `signal`.
    static func serveOneAccount(dataDir: String, dir: TempDirectory, signal: Int32) async throws -> Int32 {
        let server = try await ServerProcess(
            arguments: ["--data-dir", dataDir],
            environment: ["SHAREWIRE_SERVICE_KEY": secret],
            logTo: dir.file("first-\(UUID().uuidString).log"))
        var config = ClientConfiguration(host: "127.0.0.1", port: server.port)
        config.defaultTimeout = .seconds(20)
        var logger = Logger(label: "test.startup.client")
        logger.logLevel = .critical
        let client = RPCClient(configuration: config, logger: logger)
        let created: CreateAccountResponse = try await client.unary(
            Sharewire_V1.AccountService.Method.CreateAccount.descriptor,
            CreateAccountRequest(email: "kept@example.com"),
            metadata: [MetadataEntry(key: "authorization", value: "Bearer \(secret)")])
        #expect(created.revision == 1)
        client.close()
        return try await server.stop(signal: signal)
    }

    static func size(_ path: String) -> UInt64? {
        (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? UInt64
    }

    /// The refusal is one `sharewired: …` line naming the data dir, not a crash.
    static func expectRefusal(
        _ refusal: ServerProcess.Refusal, dataDir: String, _ phrase: String,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        #expect(refusal.status != nil && refusal.status != 0, "\(refusal)", sourceLocation: sourceLocation)
        #expect(
            refusal.stderr.contains("sharewired: data dir \(dataDir)"), "\(refusal)", sourceLocation: sourceLocation)
        #expect(refusal.stderr.contains(phrase), "\(refusal)", sourceLocation: sourceLocation)
        #expect(
            !refusal.stderr.contains("Fatal error") && !refusal.stderr.contains("Stack dump"), "\(refusal)",
            sourceLocation: sourceLocation)
    }

    @Test func aTruncatedDatabaseStopsStartupAndIsLeftAlone() async throws {
        let dir = try TempDirectory("sharewired-truncated")
        defer { dir.remove() }
        let dataDir = dir.file("data")
        _ = try await Self.serveOneAccount(dataDir: dataDir, dir: dir, signal: SIGKILL)
        let wal = Self.size("\(dataDir)/\(Self.file)-wal") ?? 0
        #expect(wal > 0)  // after kill -9 the account is in the WAL
        try FileHandle(forWritingTo: URL(fileURLWithPath: "\(dataDir)/\(Self.file)")).truncate(atOffset: 0)

        let refusal = try await ServerProcess.refusal(
            arguments: ["--port", "0", "--data-dir", dataDir], environment: ["SHAREWIRE_SERVICE_KEY": Self.secret],
            in: dir)
        Self.expectRefusal(refusal, dataDir: dataDir, "is empty (0 bytes)")
        #expect(Self.size("\(dataDir)/\(Self.file)-wal") == wal)
    }

    /// Root ignores file permissions, so as root the server runs as `nobody`
    /// (setpriv) on the `chmod a-w` directory; otherwise it runs as is.
    @Test(.enabled(if: getuid() != 0 || FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv")))
    func aReadOnlyDataDirWhoseWALNeedsRecoveryStopsStartup() async throws {
        let dir = try TempDirectory("sharewired-readonly")
        defer {
            _ = chmod(dir.file("data"), 0o755)
            dir.remove()
        }
        let dataDir = dir.file("data")
        _ = try await Self.serveOneAccount(dataDir: dataDir, dir: dir, signal: SIGKILL)
        for name in [Self.file, "\(Self.file)-wal", "\(Self.file)-shm"] { _ = chmod("\(dataDir)/\(name)", 0o444) }
        _ = chmod(dataDir, 0o555)
        let wrapper =
            getuid() == 0 ? ["/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--"] : []
        let refusal = try await ServerProcess.refusal(
            arguments: ["--port", "0", "--data-dir", dataDir], environment: ["SHAREWIRE_SERVICE_KEY": Self.secret],
            wrapper: wrapper, in: dir)
        Self.expectRefusal(refusal, dataDir: dataDir, "the database is not writable")
    }

    @Test func gracefulShutdownCheckpointsTheWALIntoTheMainFile() async throws {
        let dir = try TempDirectory("sharewired-checkpoint")
        defer { dir.remove() }
        let dataDir = dir.file("data")
        #expect(try await Self.serveOneAccount(dataDir: dataDir, dir: dir, signal: SIGTERM) == 0)
        #expect((Self.size("\(dataDir)/\(Self.file)-wal") ?? 0) == 0)
        // The main file alone holds the account.
        let copy = dir.file("copy")
        try FileManager.default.createDirectory(atPath: copy, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: "\(dataDir)/\(Self.file)", toPath: "\(copy)/\(Self.file)")
        let store = try SharingStore(directory: copy)
        #expect(try await store.loadState(limits: Limits()).accountCount == 1)
        try store.close()
    }

    static let hasIPv6Loopback = ((try? String(contentsOfFile: "/proc/net/if_inet6", encoding: .utf8)) ?? "")
        .contains("00000000000000000000000000000001")

    @Test func theListeningLinesAreHostColonPort() async throws {
        let dir = try TempDirectory("sharewired-lines")
        defer { dir.remove() }
        let server = try await ServerProcess(
            arguments: ["--data-dir", dir.file("data"), "--metrics-port", "0"],
            logTo: dir.file("v4.log"))
        let lines = server.stdout.split(separator: "\n").map(String.init)
        #expect(lines.contains("sharewired listening on 127.0.0.1:\(server.port)"), "\(lines)")
        #expect(lines.contains("sharewired metrics on 127.0.0.1:\(try #require(server.metricsPort))"), "\(lines)")
        // SIGTERM right after the line drains and exits 0: the handlers are
        // installed before the line is printed.
        #expect(try await server.stop(signal: SIGTERM) == 0)
        if Self.hasIPv6Loopback {
            let v6 = try await ServerProcess(
                arguments: ["--host", "::1", "--data-dir", dir.file("data")],
                logTo: dir.file("v6.log"))
            #expect(
                v6.stdout.split(separator: "\n").contains("sharewired listening on [::1]:\(v6.port)"), "\(v6.stdout)")
            #expect(try await v6.stop(signal: SIGTERM) == 0)
        }
    }

    /// `--service-key-file k` (one character, no directory) trapped in
    /// Foundation's deletingLastPathComponent before the fix.
    @Test func aServiceKeyFileInTheWorkingDirectoryIsCreated() async throws {
        let dir = try TempDirectory("sharewired-key-cwd")
        defer { dir.remove() }
        let server = try await ServerProcess(
            arguments: [
                "--data-dir", "data", "--service-key-file", "k",
                "--create-service-key",
            ],
            currentDirectory: dir.path, logTo: dir.file("sharewired.log"))
        let attributes = try FileManager.default.attributesOfItem(atPath: dir.file("k"))
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        #expect(try String(contentsOfFile: dir.file("k"), encoding: .utf8).count == 65)
        #expect(try await server.stop(signal: SIGTERM) == 0)
    }

    @Test func aBusyPortIsNamedWithTheFlagThatChangesIt() async throws {
        let dir = try TempDirectory("sharewired-busy")
        defer { dir.remove() }
        let first = try await ServerProcess(
            arguments: ["--data-dir", dir.file("first"), "--metrics-port", "0"],
            logTo: dir.file("first.log"))
        let busy = try await ServerProcess.refusal(
            arguments: ["--port", "\(first.port)", "--data-dir", dir.file("second")], in: dir)
        #expect(busy.status == 1, "\(busy)")
        #expect(
            busy.stderr.contains(
                "sharewired: cannot listen on 127.0.0.1:\(first.port): address already in use "
                    + "(is another sharewired running? choose another port with --port)"), "\(busy)")
        #expect(!busy.stderr.contains("bind(descriptor"), "\(busy)")

        let metrics = try #require(first.metricsPort)
        let busyMetrics = try await ServerProcess.refusal(
            arguments: ["--port", "0", "--metrics-port", "\(metrics)", "--data-dir", dir.file("second")], in: dir)
        #expect(busyMetrics.status == 1, "\(busyMetrics)")
        #expect(
            busyMetrics.stderr.contains(
                "sharewired: cannot listen on 127.0.0.1:\(metrics): address already in use "
                    + "(is another sharewired running? choose another port with --metrics-port)"), "\(busyMetrics)")
        _ = try await first.stop(signal: SIGTERM)
    }
}
