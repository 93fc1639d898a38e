import Foundation

/// A `sharewired` child process started for one benchmark run, stopped by PID.
final class ServerProcess {
    let process: Process
    let port: Int
    var pid: Int32 { process.processIdentifier }

    /// Starts `binary` on a free loopback port and waits for its
    /// "listening on" line.
    init(binary: String, threads: Int, extraArguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["--host", "127.0.0.1", "--port", "0", "--threads", "\(threads)",
                             "--log-level", "warning"] + extraArguments
        let stdout = Pipe()
        process.standardOutput = stdout
        try process.run()
        self.process = process
        let handle = stdout.fileHandleForReading
        var collected = ""
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            let data = handle.availableData
            if data.isEmpty { break }
            collected += String(decoding: data, as: UTF8.self)
            if let line = collected.split(separator: "\n").first(where: { $0.contains("listening on") }),
               let portText = line.split(separator: ":").last, let port = Int(portText.trimmingCharacters(in: .whitespaces)) {
                self.port = port
                return
            }
        }
        process.terminate()
        throw BenchError("sharewired did not report its port; output: \(collected)")
    }

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
