import Foundation
import SharewireSMTP
import Synchronization

/// Hands each message to the machine's MTA through the sendmail interface
/// that postfix, exim and msmtp all provide: `PATH -i -f FROM -- RCPT…`, the
/// message on standard input with LF line ends. The MTA queues and relays
/// it; its exit status (sysexits.h) says whether to retry (EX_TEMPFAIL) or
/// give up (EX_NOUSER, …). Envelope addresses are checked as for SMTP, and
/// passed after `--`, so none can be taken for an option.
public struct SendmailTransport: MailTransport {
    public let executable: String
    /// Extra arguments before `-i` (e.g. `-C /etc/msmtprc`).
    public let arguments: [String]
    /// The MTA is killed (and the message retried) after this long.
    public let timeout: Duration

    public init(executable: String, arguments: [String] = [], timeout: Duration = .seconds(60)) {
        self.executable = executable
        self.arguments = arguments
        self.timeout = timeout
    }

    public func send(_ message: [UInt8], envelope: SMTPEnvelope) async throws(SMTPError) {
        try envelope.validate()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments + ["-i", "-f", envelope.from, "--"] + envelope.recipients
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = output
        let exited = ProcessExit()
        process.terminationHandler = { exited.finish($0.terminationStatus, reason: $0.terminationReason) }
        do {
            try process.run()
        } catch {
            throw .unsupported("cannot run \(executable): \(error.localizedDescription)")
        }
        let pid = process.processIdentifier
        // The message and the MTA's output move on other threads: a pipe
        // blocks its writer when full, and the MTA may write before reading.
        let body = Data(Self.localLineEnds(message))
        let writer = input.fileHandleForWriting
        DispatchQueue.global().async {
            try? writer.write(contentsOf: body)
            try? writer.close()
        }
        let collected = OutputCollector(output.fileHandleForReading)
        let timedOut = Task {
            try await Task.sleep(for: timeout)
            // Not after it was reaped: the pid could belong to another process by then.
            if !exited.isFinished { kill(pid, SIGKILL) }
        }
        let (status, reason) = await exited.wait()
        timedOut.cancel()
        let text = await collected.text()
        if reason == .uncaughtSignal {
            throw .localMTA(status: -1, output: "killed by signal \(status)" + (text.isEmpty ? "" : ": \(text)"))
        }
        guard status == 0 else { throw .localMTA(status: status, output: text) }
    }

    /// Sendmail takes local text: LF line ends (the MTA adds CR on the wire).
    static func localLineEnds(_ message: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(message.count)
        for (i, b) in message.enumerated() where !(b == 13 && i + 1 < message.count && message[i + 1] == 10) {
            out.append(b)
        }
        return out
    }
}

/// The child's exit, awaited once.
final class ProcessExit: Sendable {
    private let state = Mutex<
        (
            result: (Int32, Process.TerminationReason)?,
            waiter: CheckedContinuation<(Int32, Process.TerminationReason), Never>?
        )
    >((nil, nil))

    func finish(_ status: Int32, reason: Process.TerminationReason) {
        let waiter = state.withLock { s in
            s.result = (status, reason)
            defer { s.waiter = nil }
            return s.waiter
        }
        waiter?.resume(returning: (status, reason))
    }

    var isFinished: Bool { state.withLock { $0.result != nil } }

    func wait() async -> (Int32, Process.TerminationReason) {
        await withCheckedContinuation { continuation in
            let done = state.withLock { s in
                if s.result == nil { s.waiter = continuation }
                return s.result
            }
            if let done { continuation.resume(returning: done) }
        }
    }
}

/// Reads a child's output on a thread of its own, keeping the first 2 KiB
/// (what an error message needs) and discarding the rest.
final class OutputCollector: Sendable {
    private let result = Mutex<(text: String?, waiter: CheckedContinuation<String, Never>?)>((nil, nil))

    init(_ handle: FileHandle) {
        DispatchQueue.global().async { [self] in
            var kept = Data()
            while true {
                let chunk = handle.availableData
                if chunk.isEmpty { break }
                if kept.count < 2048 { kept.append(chunk.prefix(2048 - kept.count)) }
            }
            try? handle.close()
            let text = String(decoding: kept, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
                .replacingOccurrences(of: "\n", with: " ")
            let waiter = result.withLock { r in
                r.text = text
                defer { r.waiter = nil }
                return r.waiter
            }
            waiter?.resume(returning: text)
        }
    }

    func text() async -> String {
        await withCheckedContinuation { continuation in
            let done = result.withLock { r in
                if r.text == nil { r.waiter = continuation }
                return r.text
            }
            if let done { continuation.resume(returning: done) }
        }
    }
}
