import Foundation

/// A `sharewired` child process on a free loopback port, with a fresh data
/// directory and a random service key, for `--spawn-server` and the tests.
/// Stopped by its PID only.
public final class ServerLauncher: Sendable {
    public let port: Int
    public let serviceKey: String
    public let dataDirectory: String
    /// The metrics listener's port, when started with `--metrics-port`.
    public let metricsPort: Int?
    private let process: Process
    private let outputPath: String
    public var pid: Int32 { process.processIdentifier }

    /// The `sharewired` next to `executable` (the tool's own binary, or a test bundle), if any.
    public static func findBinary(near executable: String = CommandLine.arguments[0]) -> String? {
        var dir = URL(fileURLWithPath: executable).deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = dir.appendingPathComponent("sharewired").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            dir = dir.deletingLastPathComponent()
        }
        return nil
    }

    /// Starts `binary --host 127.0.0.1 --port 0` and waits (at most `timeout`) for its listening line.
    public init(
        binary: String, threads: Int = 1, extraArguments: [String] = [],
        timeout: Duration = .seconds(30)
    ) async throws {
        dataDirectory =
            FileManager.default.temporaryDirectory
            .appendingPathComponent("sharewire-load-\(UUID().uuidString)").path
        serviceKey = "load-" + UUID().uuidString.lowercased() + UUID().uuidString.lowercased()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments =
            [
                "--host", "127.0.0.1", "--port", "0", "--threads", "\(threads)", "--log-level", "warning",
                "--data-dir", dataDirectory,
            ] + extraArguments
        var environment = ProcessInfo.processInfo.environment
        environment["SHAREWIRE_SERVICE_KEY"] = serviceKey
        process.environment = environment
        // Its stdout goes to a file that is polled: no pipe to fill up, no dispatch source to outlive it.
        outputPath = dataDirectory + ".stdout"
        _ = FileManager.default.createFile(atPath: outputPath, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: outputPath))
        // Its stderr too, so a failed start can say why.
        let errorPath = dataDirectory + ".stderr"
        _ = FileManager.default.createFile(atPath: errorPath, contents: nil)
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errorPath))
        defer { try? FileManager.default.removeItem(atPath: errorPath) }
        try process.run()
        self.process = process
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        // With --metrics-port, its line follows the listening line: wait for both.
        let wantsMetrics = extraArguments.contains("--metrics-port")
        var found: Int?
        var metrics: Int?
        var printed = ""
        while found == nil || (wantsMetrics && metrics == nil), clock.now < deadline, process.isRunning {
            printed = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
            found = Self.port(after: "sharewired listening on ", in: printed)
            metrics = Self.port(after: "sharewired metrics on ", in: printed)
            if found == nil || (wantsMetrics && metrics == nil) { try await Task.sleep(for: .milliseconds(20)) }
        }
        guard let found, !wantsMetrics || metrics != nil else {
            let how =
                process.isRunning
                ? "no listening line within \(timeout)"
                : "it exited with status \(process.terminationStatus)"
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            let errors = String(((try? String(contentsOfFile: errorPath, encoding: .utf8)) ?? "").suffix(2000))
            try? FileManager.default.removeItem(atPath: dataDirectory)
            try? FileManager.default.removeItem(atPath: outputPath)
            throw LoadError("sharewired did not report its port (\(how)); output: \(printed); stderr: \(errors)")
        }
        port = found
        metricsPort = metrics
    }

    /// The port at the end of the first line starting with `prefix` ("… on 127.0.0.1:PORT").
    private static func port(after prefix: String, in text: String) -> Int? {
        text.split(separator: "\n").first { $0.hasPrefix(prefix) }
            .flatMap { $0.split(separator: ":").last }.flatMap { Int($0) }
    }

    /// How long ``stop()`` and ``shutdown()`` wait after SIGTERM before SIGKILL.
    static let stopGrace: Duration = .seconds(10)

    /// SIGTERM, a bounded wait (then SIGKILL), and the data directory removed.
    /// It blocks its thread while it waits: for the end of a program. Async
    /// code calls ``shutdown()``, which does not hold a thread of the
    /// cooperative pool (tests run many servers on that pool at once).
    public func stop() {
        if process.isRunning {
            kill(process.processIdentifier, SIGTERM)
            let clock = ContinuousClock()
            let deadline = clock.now + Self.stopGrace
            while process.isRunning, clock.now < deadline { usleep(10_000) }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        }
        removeFiles()
    }

    /// ``stop()`` awaited: the same signals and bounded wait, without blocking a thread.
    public func shutdown() async {
        if process.isRunning {
            kill(process.processIdentifier, SIGTERM)
            let clock = ContinuousClock()
            let deadline = clock.now + Self.stopGrace
            while process.isRunning, clock.now < deadline { try? await Task.sleep(for: .milliseconds(10)) }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        }
        removeFiles()
    }

    private func removeFiles() {
        try? FileManager.default.removeItem(atPath: dataDirectory)
        try? FileManager.default.removeItem(atPath: outputPath)
    }
}
