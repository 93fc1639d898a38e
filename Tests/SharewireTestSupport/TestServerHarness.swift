import Foundation
import Logging
import NIOCore
import SharewireRPC

/// A server a test started on a loopback port: the one harness API the
/// test targets share, with two variants.
///
/// - ``InProcessServer``: an `RPCServer` in the test process (the router a
///   test builds: the RPC layer's test methods, or the sharing services).
///   Fast to start; the test can reach into it (connection counts, drain).
/// - ``SharewiredChild``: the built `sharewired` as a child process over a
///   fresh data directory with a service key (``ServerProcess`` underneath),
///   for what only the real executable shows: flags, signals, logs, exit
///   status, a kill mid-write.
///
/// The suites' own wrappers (`TestServer` in SharewireRPCTests, `Harness` in
/// SharewireServerTests, `LiveServer` in SharewireClientTests, `CLIServer` in
/// SharewireCLITests) add only the clients and fixtures of their layer. The
/// load tool's `ServerLauncher` stays product code (`--spawn-server`); its
/// own end-to-end test uses it on purpose.
public protocol TestServerHarness: Sendable {
    /// The loopback port it listens on.
    var port: Int { get }
    /// Stops it (drain, or SIGTERM to the child) and removes what it made.
    /// With ``withStarted(_:stop:_:)``, a test's server is stopped however
    /// the test ends.
    func stop() async
}

extension TestServerHarness {
    /// `host:port` on the IPv4 loopback.
    public var address: String { "127.0.0.1:\(port)" }
}

/// An `RPCServer` with a given router in the test process, on a free
/// loopback port, running until ``stop()``. Logs only critical messages.
public struct InProcessServer: TestServerHarness {
    public let server: RPCServer
    public let port: Int
    private let runTask: Task<Void, any Error>

    /// Starts a server for `router`. The configuration starts from port 0
    /// and a 50 ms housekeeping tick (deadlines, idle and drain are noticed
    /// promptly); `configure` changes it further.
    public static func start(
        router: RPCRouter, configure: (inout ServerConfiguration) -> Void = { _ in }
    ) async throws -> InProcessServer {
        var configuration = ServerConfiguration()
        configuration.port = 0
        configuration.housekeepingInterval = .milliseconds(50)
        configure(&configuration)
        var logger = Logger(label: "test.server")
        logger.logLevel = .critical
        let server = RPCServer(configuration: configuration, router: router, logger: logger)
        let address = try await server.start()
        guard let port = address.port else { throw ChildProcess.Failure("the test server has no port: \(address)") }
        let runTask = Task { try await server.run() }
        return InProcessServer(server: server, port: port, runTask: runTask)
    }

    /// An RPC client for it (quiet logs, a 10 s default timeout unless configured).
    public func client(connections: Int = 1, configure: (inout ClientConfiguration) -> Void = { _ in }) -> RPCClient {
        var configuration = ClientConfiguration(host: "127.0.0.1", port: port)
        configuration.connections = connections
        configuration.defaultTimeout = .seconds(10)
        configure(&configuration)
        var logger = Logger(label: "test.client")
        logger.logLevel = .critical
        return RPCClient(configuration: configuration, logger: logger)
    }

    /// Drains it (GOAWAY, then the grace period at most) and ends its run.
    public func stop() async {
        await server.drain()
        runTask.cancel()
    }
}

/// The built `sharewired` as a child process over a fresh temp data
/// directory, with a service key: the process variant of the harness.
public struct SharewiredChild: TestServerHarness {
    /// Its temp directory: `data/` is the data dir, `sharewired.log` its stderr.
    public let dir: TempDirectory
    public let process: ServerProcess
    public let serviceKey: String

    public var port: Int { process.port }

    /// Starts `sharewired --data-dir <dir>/data --drain-grace-seconds 5
    /// arguments…` with `serviceKey` in its environment; `dirPrefix` names
    /// the temp directory.
    public static func start(
        serviceKey: String, arguments: [String] = [], dirPrefix: String = "sharewired-child"
    ) async throws -> SharewiredChild {
        let dir = try TempDirectory(dirPrefix)
        do {
            let process = try await ServerProcess(
                arguments: ["--data-dir", dir.file("data"), "--drain-grace-seconds", "5"] + arguments,
                environment: ["SHAREWIRE_SERVICE_KEY": serviceKey], logTo: dir.file("sharewired.log"))
            return SharewiredChild(dir: dir, process: process, serviceKey: serviceKey)
        } catch {
            dir.remove()
            throw error
        }
    }

    /// SIGTERM (it drains; SIGKILL past 20 s), then removes its directory.
    public func stop() async {
        _ = try? await process.stop(signal: SIGTERM, timeout: .seconds(20))
        dir.remove()
    }
}
