import Foundation

/// A `sharewired` child process started for one benchmark run, stopped by PID.
final class ServerProcess {
    let process: Process
    let port: Int
    var pid: Int32 { process.processIdentifier }

    /// Starts `binary` on a free loopback port and waits for its
    /// "listening on" line.
    init(binary: String, threads: Int, extraArguments: [String], environment: [String: String] = [:]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["--host", "127.0.0.1", "--port", "0", "--threads", "\(threads)",
                             "--log-level", "warning"] + extraArguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        let stdout = Pipe()
        process.standardOutput = stdout
        try process.run()
        self.process = process
        // Read the port from the child's first lines; a semaphore bounds the wait.
        let found = PortLine()
        stdout.fileHandleForReading.readabilityHandler = { handle in
            let data = handle.availableData
            if data.isEmpty { handle.readabilityHandler = nil }
            found.append(String(decoding: data, as: UTF8.self))
        }
        guard found.ready.wait(timeout: .now() + 20) == .success, let port = found.port else {
            process.terminate()
            throw BenchError("sharewired did not report its port within 20 s; output: \(found.text)")
        }
        self.port = port
        self.output = found
    }

    private let output: PortLine

    /// The metrics listener's port, if the server printed one.
    var metricsPort: Int? { output.metricsPort }

    /// SIGTERM, then wait for exit (bounded).
    func stop() {
        guard process.isRunning else { return }
        process.terminate()
        let deadline = Date().addingTimeInterval(10)
        while process.isRunning, Date() < deadline { usleep(20_000) }
        if process.isRunning { kill(pid, SIGKILL) }
    }
}

struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Collects the child's stdout until the "listening on" line shows the port.
private final class PortLine: @unchecked Sendable {
    // @unchecked: `lock` guards every mutable field.
    private let lock = NSLock()
    private var buffer = ""
    private var found: Int?
    let ready = DispatchSemaphore(value: 0)

    var port: Int? { lock.withLock { found } }
    var text: String { lock.withLock { buffer } }
    /// From the "metrics on <address>" line, which follows the listening line.
    var metricsPort: Int? {
        lock.withLock {
            buffer.split(separator: "\n").first(where: { $0.contains("metrics on") })
                .flatMap { $0.split(separator: ":").last }
                .flatMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        }
    }

    func append(_ chunk: String) {
        lock.withLock {
            // Keep the first lines only (bounded); the port lines come first.
            if buffer.utf8.count < 65_536 { buffer += chunk }
            guard found == nil else { return }
            if let line = buffer.split(separator: "\n").first(where: { $0.contains("listening on") }),
               let portText = line.split(separator: ":").last,
               let port = Int(portText.trimmingCharacters(in: .whitespaces)) {
                found = port
                ready.signal()
            }
        }
    }
}
