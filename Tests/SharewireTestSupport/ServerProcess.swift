import Foundation
import Synchronization

/// A real `sharewired` child process, for tests that must kill it.
///
/// The binary is `$SHAREWIRED_BIN` if set, else `sharewired` next to the test
/// bundle (the build directory `swift build --build-tests` fills), else
/// `.build/debug/sharewired` under the package root.
public final class ServerProcess: Sendable {
    public let process: Process
    public let port: Int
    public let metricsPort: Int?
    public let stderrPath: String
    /// What it printed on stdout until it was ready.
    public let stdout: String

    /// The process id, to signal it.
    public var pid: Int32 { process.processIdentifier }

    public static func binary() throws -> String {
        try builtBinary(named: "sharewired", environmentVariable: "SHAREWIRED_BIN")
    }

    public struct ProcessError: Error, CustomStringConvertible {
        public let description: String
    }

    /// Starts `sharewired --port 0` (or `executable`, a wrapper such as
    /// tools/run-server, with the same arguments) and waits (bounded) for its
    /// listening line.
    /// `currentDirectory` is the process's working directory (default: the test's).
    public init(
        executable: String? = nil, arguments: [String], environment: [String: String] = [:],
        currentDirectory: String? = nil, logTo stderrPath: String,
        timeout: Duration = .seconds(60)
    ) async throws {
        let process = try Self.process(
            executable: executable ?? Self.binary(),
            arguments: ["--port", "0", "--log-level", "info"] + arguments,
            environment: environment)
        if let currentDirectory { process.currentDirectoryURL = URL(fileURLWithPath: currentDirectory) }
        let out = Pipe()
        process.standardOutput = out
        _ = FileManager.default.createFile(atPath: stderrPath, contents: nil)
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: stderrPath))
        let lines = Mutex("")
        out.fileHandleForReading.readabilityHandler = { handle in
            let data = handle.availableData
            if !data.isEmpty { lines.withLock { $0 += String(decoding: data, as: UTF8.self) } }
        }
        try process.run()
        self.process = process
        self.stderrPath = stderrPath

        let clock = ContinuousClock()
        let end = clock.now + timeout
        var port: Int?
        var metricsPort: Int?
        let wantsMetrics = arguments.contains("--metrics-port")
        while clock.now < end {
            let text = lines.withLock { $0 }
            port = Self.port(after: "sharewired listening on ", in: text)
            metricsPort = Self.port(after: "sharewired metrics on ", in: text)
            if port != nil, !wantsMetrics || metricsPort != nil { break }
            if !process.isRunning { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        out.fileHandleForReading.readabilityHandler = nil
        guard let port else {
            if process.isRunning { process.terminate() }
            let log = (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? ""
            let printed = lines.withLock { $0 }
            throw ProcessError(description: "sharewired did not start; stdout:\n\(printed)\nstderr:\n\(log)")
        }
        self.port = port
        self.metricsPort = metricsPort
        stdout = lines.withLock { $0 }
    }

    /// A process of `executable` with the test runner's environment, minus
    /// its service key, plus `environment`.
    public static func process(executable: String, arguments: [String], environment: [String: String]) -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        env.removeValue(forKey: "SHAREWIRE_SERVICE_KEY")
        env.merge(environment) { _, new in new }
        process.environment = env
        return process
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
        let process = Self.process(
            executable: wrapper.first ?? binary,
            arguments: wrapper.dropFirst() + (wrapper.isEmpty ? [] : [binary]) + arguments,
            environment: environment)
        let id = UUID().uuidString
        let outPath = dir.file("refusal-\(id).out"), errPath = dir.file("refusal-\(id).err")
        for path in [outPath, errPath] { _ = FileManager.default.createFile(atPath: path, contents: nil) }
        let out = try FileHandle(forWritingTo: URL(fileURLWithPath: outPath))
        let err = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
        defer {
            try? out.close()
            try? err.close()
        }
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let read = { (path: String) in (try? String(contentsOfFile: path, encoding: .utf8)) ?? "" }
        let end = ContinuousClock.now + timeout
        while process.isRunning, !read(outPath).contains("sharewired listening on "), ContinuousClock.now < end {
            try await Task.sleep(for: .milliseconds(20))
        }
        let started = process.isRunning
        if started { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        return Refusal(status: started ? nil : process.terminationStatus, stdout: read(outPath), stderr: read(errPath))
    }

    /// The port at the end of the line starting with `prefix` (`…:PORT`).
    private static func port(after prefix: String, in text: String) -> Int? {
        for line in text.split(separator: "\n") where line.hasPrefix(prefix) {
            if let colon = line.lastIndex(of: ":") { return Int(line[line.index(after: colon)...]) }
        }
        return nil
    }

    /// Sends `signal` and waits (bounded) for the process to exit; returns its status.
    @discardableResult
    public func stop(signal: Int32, timeout: Duration = .seconds(60)) async throws -> Int32 {
        if process.isRunning { kill(process.processIdentifier, signal) }
        let clock = ContinuousClock()
        let end = clock.now + timeout
        while process.isRunning, clock.now < end { try await Task.sleep(for: .milliseconds(10)) }
        guard !process.isRunning else {
            kill(process.processIdentifier, SIGKILL)
            throw ProcessError(description: "sharewired did not exit after signal \(signal)")
        }
        return process.terminationStatus
    }

    /// SIGKILL if still running, without waiting: for `defer` blocks, so a
    /// failed test leaves no server behind.
    public func killIfRunning() {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }

    public var log: String { (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "" }
}
