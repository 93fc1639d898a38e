import Foundation

/// A real `sharewired` child process, for tests that must kill it.
///
/// The binary is `$SHAREWIRED_BIN` if set, else `sharewired` next to the test
/// bundle (the build directory `swift build --build-tests` fills), else
/// `.build/debug/sharewired` under the package root.
public final class ServerProcess: Sendable {
    /// The child process.
    public let child: ChildProcess
    public let port: Int
    public let metricsPort: Int?
    public let stderrPath: String
    /// What it printed on stdout until it was ready.
    public let stdout: String

    /// The process id, to signal it.
    public var pid: Int32 { child.pid }

    public static func binary() throws -> String {
        try builtBinary(named: "sharewired", environmentVariable: "SHAREWIRED_BIN")
    }

    public struct ProcessError: Error, CustomStringConvertible {
        public let description: String
    }

    /// Starts `sharewired --port 0` (or `executable`, a wrapper such as
    /// tools/run-server, with the same arguments) and waits (bounded) for its
    /// listening line. Its stdout goes to `<stderrPath>.stdout`.
    /// `currentDirectory` is the process's working directory (default: the test's).
    public init(
        executable: String? = nil, arguments: [String], environment: [String: String] = [:],
        currentDirectory: String? = nil, logTo stderrPath: String,
        timeout: Duration = .seconds(60)
    ) async throws {
        let wantsMetrics = arguments.contains("--metrics-port")
        let child = try ChildProcess(
            executable ?? Self.binary(), ["--port", "0", "--log-level", "info"] + arguments,
            environment: Self.environment(environment), currentDirectory: currentDirectory,
            stdoutPath: stderrPath + ".stdout", stderrPath: stderrPath)
        self.child = child
        self.stderrPath = stderrPath
        var port: Int?
        var metricsPort: Int?
        _ = try await child.waitUntilOutput(timeout: timeout) { text in
            port = Self.port(after: "sharewired listening on ", in: text)
            metricsPort = Self.port(after: "sharewired metrics on ", in: text)
            return port != nil && (!wantsMetrics || metricsPort != nil)
        }
        guard let port else {
            child.killIfRunning()
            throw ProcessError(
                description: "sharewired did not start; stdout:\n\(child.stdout)\nstderr:\n\(child.stderr)")
        }
        self.port = port
        self.metricsPort = metricsPort
        stdout = child.stdout
    }

    /// The test runner's environment, minus its service key, plus `environment`.
    public static func environment(_ environment: [String: String]) -> [String: String] {
        ChildProcess.inheritedEnvironment(removing: ["SHAREWIRE_SERVICE_KEY"], adding: environment)
    }

    /// How a `sharewired` expected to refuse to start ended.
    public struct Refusal: Sendable, CustomStringConvertible {
        /// The exit status; nil if it started serving instead (it was then killed).
        public let status: Int32?
        public let stdout: String
        public let stderr: String

        public var description: String {
            "\(status.map { "exit \($0)" } ?? "started serving")\nstdout:\n\(stdout)\nstderr:\n\(stderr)"
        }
    }

    /// Runs `sharewired arguments…` (no `--port` is added) until it exits, or
    /// until it prints its listening line, in which case it is killed. With
    /// `wrapper` (e.g. `setpriv …`), runs `wrapper… sharewired arguments…`.
    public static func refusal(
        arguments: [String], environment: [String: String] = [:], wrapper: [String] = [],
        in dir: TempDirectory, timeout: Duration = .seconds(60)
    ) async throws -> Refusal {
        let binary = try binary()
        let id = UUID().uuidString
        let child = try ChildProcess(
            wrapper.first ?? binary, wrapper.dropFirst() + (wrapper.isEmpty ? [] : [binary]) + arguments,
            environment: Self.environment(environment), stdoutPath: dir.file("refusal-\(id).out"),
            stderrPath: dir.file("refusal-\(id).err"))
        let listening = try await child.waitForOutput(containing: "sharewired listening on ", timeout: timeout)
        let started = listening || child.isRunning
        child.killIfRunning()
        let exit = try await child.exit(within: .seconds(30))
        return Refusal(status: started ? nil : exit.status, stdout: child.stdout, stderr: child.stderr)
    }

    /// The port at the end of the line starting with `prefix` (`…:PORT`).
    private static func port(after prefix: String, in text: String) -> Int? {
        for line in text.split(separator: "\n") where line.hasPrefix(prefix) {
            if let colon = line.lastIndex(of: ":") { return Int(line[line.index(after: colon)...]) }
        }
        return nil
    }

    /// Sends `signal` and awaits (bounded) the exit; returns its status.
    @discardableResult
    public func stop(signal: Int32, timeout: Duration = .seconds(60)) async throws -> Int32 {
        try await child.stop(signal: signal, timeout: timeout).status
    }

    /// SIGKILL if still running, without waiting: for `defer` blocks, so a
    /// failed test leaves no server behind.
    public func killIfRunning() { child.killIfRunning() }

    public var log: String { child.stderr }
}
