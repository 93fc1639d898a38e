import Foundation
import Synchronization

/// A child process a test starts: the one way tests run programs (protoc,
/// openssl, python, the built binaries, the tools/ scripts).
///
/// Its stdout and stderr go to files, never pipes: nothing has to read them
/// while it runs, so a chatty child cannot fill a pipe and hang, and a child
/// that leaves daemons behind holding the descriptors cannot keep a read
/// from ending. Its stdin is `/dev/null` or a file of given bytes.
///
/// Its end is awaited, not waited for: Foundation's termination handler
/// resumes a continuation, so no thread of Swift Testing's cooperative pool
/// (two threads on a two-core machine) is blocked meanwhile. Every wait is
/// bounded: past its timeout the child is SIGKILLed and the wait throws an
/// error naming the command; cancelling the waiting task SIGKILLs it too.
/// Signals go to the process's own PID, and only while it has not ended.
public final class ChildProcess: Sendable {
    /// How the process ended.
    public struct Exit: Sendable, Equatable, CustomStringConvertible {
        /// The exit status, or the signal number if ``signalled``.
        public let status: Int32
        /// Whether a signal ended it.
        public let signalled: Bool

        public var description: String { signalled ? "killed by signal \(status)" : "exit \(status)" }
    }

    /// A finished run: how it ended and what it printed.
    public struct Result: Sendable, CustomStringConvertible {
        public let exit: Exit
        public let stdoutBytes: [UInt8]
        public let stderr: String

        public init(exit: Exit, stdoutBytes: [UInt8], stderr: String) {
            self.exit = exit
            self.stdoutBytes = stdoutBytes
            self.stderr = stderr
        }

        /// The exit status (the signal number if a signal ended it).
        public var status: Int32 { exit.status }
        public var stdout: String { String(decoding: stdoutBytes, as: UTF8.self) }

        public var description: String { "\(exit)\nstdout:\n\(stdout)\nstderr:\n\(stderr)" }
    }

    /// A child that could not start or did not end in time.
    public struct Failure: Error, CustomStringConvertible {
        public let description: String

        public init(_ description: String) { self.description = description }
    }

    /// The command line, shortened, for error messages.
    public let command: String
    /// The file its stdout goes to.
    public let stdoutPath: String
    /// The file its stderr goes to (``stdoutPath`` when merged).
    public let stderrPath: String
    /// The process id, valid until it has ended.
    public let pid: Int32

    private let process: Process
    private let state: StateBox
    /// A directory this object made for its files, removed by ``removeFiles()``.
    private let ownDirectory: TempDirectory?

    /// Starts `executable arguments…`.
    /// - Parameters:
    ///   - environment: exactly the child's environment; nil: the test runner's.
    ///   - currentDirectory: its working directory; nil: the test runner's.
    ///   - stdin: bytes it reads on stdin; nil: `/dev/null`.
    ///   - stdoutPath, stderrPath: files for its output (created or
    ///     truncated); nil: files in a temp directory of its own.
    ///   - mergeStderr: stderr goes to the stdout file.
    public init(
        _ executable: String, _ arguments: [String] = [], environment: [String: String]? = nil,
        currentDirectory: String? = nil, stdin: [UInt8]? = nil, stdoutPath: String? = nil,
        stderrPath: String? = nil, mergeStderr: Bool = false
    ) throws {
        command = Self.describe(executable, arguments)
        let needsDirectory = stdin != nil || stdoutPath == nil || (stderrPath == nil && !mergeStderr)
        let dir = needsDirectory ? try TempDirectory("sharewire-child") : nil
        let outPath = stdoutPath ?? dir!.file("stdout")
        let errPath = mergeStderr ? outPath : (stderrPath ?? dir!.file("stderr"))

        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let environment { process.environment = environment }
        if let currentDirectory { process.currentDirectoryURL = URL(fileURLWithPath: currentDirectory) }
        var handles: [FileHandle] = []
        defer { for handle in handles { try? handle.close() } }  // the child has its own copies
        for path in Set([outPath, errPath]) {
            guard FileManager.default.createFile(atPath: path, contents: nil) else {
                dir?.remove()
                throw Failure("cannot create \(path) for the output of \(command)")
            }
        }
        let out = try FileHandle(forWritingTo: URL(fileURLWithPath: outPath))
        handles.append(out)
        let err = try mergeStderr ? out : FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
        if !mergeStderr { handles.append(err) }
        process.standardOutput = out
        process.standardError = err
        if let stdin, let dir {
            let inPath = dir.file("stdin")
            try Data(stdin).write(to: URL(fileURLWithPath: inPath))
            let input = try FileHandle(forReadingFrom: URL(fileURLWithPath: inPath))
            handles.append(input)
            process.standardInput = input
        } else {
            process.standardInput = FileHandle.nullDevice
        }
        let state = StateBox()
        // Set before run(): the handler may otherwise miss a quick exit.
        process.terminationHandler = { ended in
            state.end(Exit(status: ended.terminationStatus, signalled: ended.terminationReason == .uncaughtSignal))
        }
        do {
            try process.run()
        } catch {
            dir?.remove()
            throw Failure("cannot run \(command): \(error)")
        }
        self.process = process
        self.state = state
        self.stdoutPath = outPath
        self.stderrPath = errPath
        self.ownDirectory = dir
        pid = process.processIdentifier
    }

    /// Runs `executable arguments…` to its end (see ``init(_:_:environment:currentDirectory:stdin:stdoutPath:stderrPath:mergeStderr:)``),
    /// SIGKILLed and an error thrown past `timeout`; its status and output.
    /// A non-zero status is returned, not thrown.
    public static func run(
        _ executable: String, _ arguments: [String] = [], environment: [String: String]? = nil,
        currentDirectory: String? = nil, stdin: [UInt8]? = nil, mergeStderr: Bool = false,
        timeout: Duration = .seconds(60)
    ) async throws -> Result {
        let child = try ChildProcess(
            executable, arguments, environment: environment, currentDirectory: currentDirectory, stdin: stdin,
            mergeStderr: mergeStderr)
        defer { child.removeFiles() }
        let exit = try await child.exit(within: timeout)
        return Result(exit: exit, stdoutBytes: child.stdoutBytes, stderr: mergeStderr ? "" : child.stderr)
    }

    /// The test runner's environment minus `removing`, plus `adding`.
    public static func inheritedEnvironment(removing: [String] = [], adding: [String: String] = [:]) -> [String: String]
    {
        var environment = ProcessInfo.processInfo.environment
        for name in removing { environment.removeValue(forKey: name) }
        return environment.merging(adding) { _, new in new }
    }

    /// Whether it has not ended yet (seen by the termination handler).
    public var isRunning: Bool { state.exit == nil }

    /// How it ended; nil while it runs.
    public var ended: Exit? { state.exit }

    /// Awaits its end. Past `timeout` it is SIGKILLed and this throws.
    @discardableResult
    public func exit(within timeout: Duration) async throws -> Exit {
        let killer = Task { [state, pid] in
            // A timeout, not a poll: cancelled as soon as the child ends.
            guard (try? await Task.sleep(for: timeout)) != nil else { return }
            state.killForTimeout(pid)
            // Foundation was seen not to report the end of a child whose own
            // children daemonized (a zombie stayed "running"): stop waiting
            // 10 s after the SIGKILL whatever it reports.
            guard (try? await Task.sleep(for: .seconds(10))) != nil else { return }
            state.end(Exit(status: SIGKILL, signalled: true))
        }
        let exit = await withTaskCancellationHandler {
            await state.ended()
        } onCancel: { [state, pid] in
            state.signal(pid, SIGKILL)
        }
        killer.cancel()
        if state.killedForTimeout {
            throw Failure(
                "\(command) did not exit within \(timeout) (SIGKILLed)\nstdout:\n\(tail(stdout))\nstderr:\n\(tail(stderr))"
            )
        }
        return exit
    }

    /// Sends `signal` and awaits the end (SIGKILL and an error past `timeout`).
    @discardableResult
    public func stop(signal: Int32 = SIGTERM, timeout: Duration = .seconds(60)) async throws -> Exit {
        self.signal(signal)
        return try await exit(within: timeout)
    }

    /// Sends `signal` if it has not ended (never to a PID it no longer owns).
    public func signal(_ signal: Int32) { state.signal(pid, signal) }

    /// SIGKILL if still running, without waiting: for `defer` blocks, so a
    /// failed test leaves no child behind.
    public func killIfRunning() { signal(SIGKILL) }

    /// Waits (bounded, polling its stdout file) until the stdout contains
    /// `marker`; false if it ended first or `timeout` passed. The output has
    /// no event to await, so this polls every 10 ms.
    public func waitForOutput(containing marker: String, timeout: Duration) async throws -> Bool {
        try await waitUntilOutput(timeout: timeout) { $0.contains(marker) }
    }

    /// Waits (bounded, polling) until `condition` holds for the stdout; false
    /// if it ended first (and the output still does not satisfy it) or
    /// `timeout` passed.
    public func waitUntilOutput(timeout: Duration, _ condition: (String) -> Bool) async throws -> Bool {
        let end = ContinuousClock.now + timeout
        while true {
            let running = isRunning
            if condition(stdout) { return true }
            if !running || ContinuousClock.now >= end { return false }
            try await Task.sleep(for: .milliseconds(10))
        }
    }

    public var stdoutBytes: [UInt8] { (try? [UInt8](Data(contentsOf: URL(fileURLWithPath: stdoutPath)))) ?? [] }
    public var stdout: String { String(decoding: stdoutBytes, as: UTF8.self) }
    public var stderr: String { (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "" }

    /// Removes the files in its own temp directory (not files the caller named).
    public func removeFiles() { ownDirectory?.remove() }

    private func tail(_ text: String) -> String { String(text.suffix(4000)) }

    private static func describe(_ executable: String, _ arguments: [String]) -> String {
        ([executable] + arguments).map { $0.count > 80 ? String($0.prefix(77)) + "..." : $0 }
            .joined(separator: " ")
    }
}

/// The shared state of a child: how it ended and who awaits that.
private final class StateBox: Sendable {
    private struct State {
        var exit: ChildProcess.Exit?
        var waiters: [CheckedContinuation<ChildProcess.Exit, Never>] = []
        var killedForTimeout = false
    }

    private let state = Mutex(State())

    var exit: ChildProcess.Exit? { state.withLock { $0.exit } }
    var killedForTimeout: Bool { state.withLock { $0.killedForTimeout } }

    /// Records the end (the first report wins) and resumes the waiters.
    func end(_ exit: ChildProcess.Exit) {
        let waiters = state.withLock { state in
            guard state.exit == nil else { return [CheckedContinuation<ChildProcess.Exit, Never>]() }
            state.exit = exit
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume(returning: exit) }
    }

    func ended() async -> ChildProcess.Exit {
        await withCheckedContinuation { continuation in
            let exit = state.withLock { state in
                if state.exit == nil { state.waiters.append(continuation) }
                return state.exit
            }
            if let exit { continuation.resume(returning: exit) }
        }
    }

    /// Signals under the lock the termination handler takes, so not after it has seen the end.
    func signal(_ pid: Int32, _ signal: Int32) {
        state.withLock { state in
            if state.exit == nil { kill(pid, signal) }
        }
    }

    func killForTimeout(_ pid: Int32) {
        state.withLock { state in
            guard state.exit == nil else { return }
            state.killedForTimeout = true
            kill(pid, SIGKILL)
        }
    }
}
