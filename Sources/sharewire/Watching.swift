import ArgumentParser
import Foundation
import SharewireCLICore
import SharewireClient

/// What the `watch` commands (notifications, access changes) share: Ctrl-C
/// cancels the call on the server and exits 130 after what was printed;
/// `--timeout` ends watching normally.
enum Watching {
    /// The exit status after Ctrl-C: 128 + SIGINT.
    static let interrupted: Int32 = 130

    /// Runs `body` in a task that Ctrl-C (SIGINT) cancels.
    static func interruptible(_ body: @escaping @Sendable () async throws -> Void) async throws {
        let watching = Task { try await body() }
        signal(SIGINT, SIG_IGN)
        let interrupt = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
        interrupt.setEventHandler { watching.cancel() }
        interrupt.resume()
        defer { interrupt.cancel() }
        try await watching.value
    }

    /// Runs the reading loop `body`, which returns how many items it printed:
    /// Ctrl-C exits 130; the deadline of `--timeout` ends normally unless
    /// fewer than `--limit` arrived (exit 11); a stream the server ended
    /// early with `--limit` unmet exits 10.
    static func read(
        limit: Int?, timeout: String?, what: String,
        _ body: (CallOptions, inout Int) async throws -> Void
    ) async throws {
        let duration = try timeout.map { text throws(CLIError) in try ArgumentSyntax.seconds(text, option: "--timeout")
        }
        var options = CallOptions.default
        options.timeout = duration
        var count = 0
        do {
            try await body(options, &count)
            if let limit, count >= limit { return }
        } catch let error as SharewireError where Task.isCancelled && error.code == .cancelled {
            throw ExitCode(interrupted)
        } catch let error as SharewireError where error.code == .deadlineExceeded && duration != nil {
            if let limit, count < limit {
                throw CLIError(.timeout, "only \(count) of \(limit) \(what) arrived within \(timeout!) s")
            }
            return
        }
        if Task.isCancelled { throw ExitCode(interrupted) }
        if let limit, count < limit {
            throw CLIError(.unavailable, "the server ended the stream after \(count) of \(limit) \(what)")
        }
    }

    /// Validates `--limit` and `--timeout`.
    static func validate(limit: Int?, timeout: String?) throws {
        if let limit, limit < 1 { throw ValidationError("--limit must be at least 1") }
        if let timeout {
            do { _ = try ArgumentSyntax.seconds(timeout, option: "--timeout") } catch {
                throw ValidationError(error.message)
            }
        }
    }
}
