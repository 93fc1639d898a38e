import Foundation
import SharewireTestSupport

/// Runs the built `sharewire` binary: found next to the test bundle (the
/// build directory `swift build --build-tests` fills), or `$SHAREWIRE_CLI_BIN`.
struct CLI {
    /// The outcome of one run.
    typealias Result = ChildProcess.Result

    static func binary() throws -> String {
        try builtBinary(named: "sharewire", environmentVariable: "SHAREWIRE_CLI_BIN")
    }

    /// The environment every run starts from: a PATH and a HOME of its own
    /// (so no real config file is read), and no SHAREWIRE_* variable of the
    /// test runner's.
    var environment: [String: String]
    let dir: TempDirectory

    init(address: String? = nil) throws {
        dir = try TempDirectory("sharewire-cli-test")
        try FileManager.default.createDirectory(atPath: dir.file("home"), withIntermediateDirectories: true)
        environment = [
            "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin",
            "HOME": dir.file("home"), "LANG": "C.UTF-8",
        ]
        if let address { environment["SHAREWIRE_ADDRESS"] = address }
    }

    /// Starts `sharewire arguments…` with the base environment plus `env`.
    func launch(_ arguments: [String], env: [String: String], stdin: String? = nil) throws -> ChildProcess {
        try ChildProcess(
            try Self.binary(), arguments, environment: environment.merging(env) { _, new in new },
            stdin: stdin.map { Array($0.utf8) })
    }

    /// Runs `sharewire arguments…` with the base environment plus `env`,
    /// and waits (at most `timeout`) for it to exit.
    func run(
        _ arguments: [String], env: [String: String] = [:], stdin: String? = nil,
        timeout: Duration = .seconds(60)
    ) async throws -> Result {
        try await ChildProcess.run(
            try Self.binary(), arguments, environment: environment.merging(env) { _, new in new },
            stdin: stdin.map { Array($0.utf8) }, timeout: timeout)
    }

    /// Starts `sharewire arguments…`, waits (bounded) until its stdout
    /// contains `marker`, sends SIGINT (Ctrl-C), and waits for it to exit.
    func interrupt(
        _ arguments: [String], env: [String: String] = [:], after marker: String,
        timeout: Duration = .seconds(30)
    ) async throws -> Result {
        let child = try launch(arguments, env: env)
        defer {
            child.killIfRunning()
            child.removeFiles()
        }
        _ = try await child.waitForOutput(containing: marker, timeout: timeout)
        let exit = try await child.stop(signal: SIGINT, timeout: timeout)
        return Result(exit: exit, stdoutBytes: child.stdoutBytes, stderr: child.stderr)
    }

    /// Creates an account with the service key; returns the environment that acts as it.
    func account(_ email: String) async throws -> [String: String] {
        let created = try await run(
            ["admin", "accounts", "create", email, "--key-only"],
            env: ["SHAREWIRE_SERVICE_KEY": CLIServer.serviceKey])
        guard created.status == 0 else { throw CLIFailure("cannot create \(email): \(created)") }
        return ["SHAREWIRE_API_KEY": created.out]
    }

    /// Runs each line as `env`, expecting success.
    func runAll(_ lines: [String], env: [String: String]) async throws {
        for line in lines {
            let result = try await run(line, env: env)
            guard result.status == 0 else { throw CLIFailure("\(line): \(result)") }
        }
    }

    /// Splits a command line on spaces (no quoting needed in these tests).
    func run(_ line: String, env: [String: String] = [:]) async throws -> Result {
        try await run(line.split(separator: " ").map(String.init), env: env)
    }
}

/// A `sharewired` child process (``SharewiredChild``) with a service key over a temp data dir.
struct CLIServer: TestServerHarness {
    static let serviceKey = "cli-tests-service-key-5b8d2f7e1c9a4036b2e4"
    let child: SharewiredChild

    var dir: TempDirectory { child.dir }
    var process: ServerProcess { child.process }
    var port: Int { child.port }

    static func start() async throws -> CLIServer {
        CLIServer(child: try await SharewiredChild.start(serviceKey: serviceKey, dirPrefix: "sharewire-cli-server"))
    }

    /// Runs `body` against a fresh server, then stops it and removes its data.
    static func with<T>(_ body: (CLIServer) async throws -> T) async throws -> T {
        try await withStarted({ try await start() }, stop: { await $0.stop() }, body)
    }

    func stop() async { await child.stop() }
}

struct CLIFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

extension ChildProcess.Result {
    /// The trimmed stdout.
    var out: String { stdout.trimmingCharacters(in: .whitespacesAndNewlines) }

    /// Stack traces, crash reports and Swift runtime errors never appear.
    var hasNoCrashOutput: Bool {
        let text = stdout + stderr
        return ![
            "Fatal error", "Stack dump", "stack trace", "Backtrace", "Crash", "SIGSEGV", "SIGILL",
            "Thread 0", "#0 ",
        ].contains { text.contains($0) }
    }

    /// The stdout parsed as JSON.
    func json() throws -> Any {
        try JSONSerialization.jsonObject(with: Data(stdout.utf8), options: [.fragmentsAllowed])
    }
}
