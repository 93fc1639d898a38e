import ArgumentParser
import Foundation
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import SharewireRPC

/// `sharewired`: the Sharewire server.
@main
struct Sharewired: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sharewired",
        abstract: "Serve the Sharewire RPC protocol over TCP.",
        discussion: """
        Listens on loopback by default; pass --host 0.0.0.0 to expose it.
        SIGTERM or SIGINT starts a graceful drain: running calls finish, new
        calls get UNAVAILABLE, and after --drain-grace-seconds the rest close.

        Example:
          sharewired --port 7070 --log-level info
        """
    )

    @Option(help: "Address to listen on.")
    var host = "127.0.0.1"

    @Option(help: "TCP port to listen on (0 picks a free one).")
    var port = 7070

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: Logger.Level = .info

    @Option(help: "Event-loop threads (default: one per core).")
    var threads = System.coreCount

    @Option(help: "Largest request message in bytes.")
    var maxMessageSize = Int(ProtocolDefaults.maxMessageSize)

    @Option(help: "Concurrent calls per connection.")
    var maxConcurrentCallsPerConnection = Int(ProtocolDefaults.maxConcurrentCalls)

    @Option(help: "Concurrent calls across the server.")
    var maxConcurrentCalls = 16_384

    @Option(help: "Open connections.")
    var maxConnections = 1024

    @Option(help: "Seconds without calls before a connection is closed.")
    var idleTimeoutSeconds = 300

    @Option(help: "Seconds of silence before the server PINGs a connection.")
    var keepaliveSeconds = 60

    @Option(help: "Minimum seconds between client PINGs before they count as strikes.")
    var minPingIntervalSeconds = 10

    @Option(help: "Hard limit on a graceful drain, in seconds.")
    var drainGraceSeconds = 30

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be 0...65535") }
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1") }
        guard maxMessageSize >= 1024, maxMessageSize <= 64 * 1024 * 1024 else {
            throw ValidationError("--max-message-size must be 1 KiB...64 MiB")
        }
        for (name, value) in [("--max-concurrent-calls-per-connection", maxConcurrentCallsPerConnection),
                              ("--max-concurrent-calls", maxConcurrentCalls), ("--max-connections", maxConnections),
                              ("--idle-timeout-seconds", idleTimeoutSeconds), ("--keepalive-seconds", keepaliveSeconds),
                              ("--drain-grace-seconds", drainGraceSeconds)] where value < 1 {
            throw ValidationError("\(name) must be at least 1")
        }
    }

    func run() async throws {
        let level = logLevel
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "sharewired")

        var config = ServerConfiguration()
        config.host = host
        config.port = port
        config.maxMessageSize = UInt32(maxMessageSize)
        config.maxFrameSize = UInt32(maxMessageSize) + 64 * 1024
        config.maxConcurrentCallsPerConnection = maxConcurrentCallsPerConnection
        config.maxConcurrentCalls = maxConcurrentCalls
        config.maxConnections = maxConnections
        config.idleTimeout = .seconds(Int64(idleTimeoutSeconds))
        config.keepaliveInterval = .seconds(Int64(keepaliveSeconds))
        config.minPingInterval = .seconds(Int64(minPingIntervalSeconds))
        config.drainGracePeriod = .seconds(Int64(drainGraceSeconds))

        let health = HealthService()
        var router = RPCRouter()
        health.register(in: &router)
        DiagnosticsService().register(in: &router)

        let group = MultiThreadedEventLoopGroup(numberOfThreads: threads)
        let server = RPCServer(configuration: config, router: router, group: group, logger: logger)
        let address = try await server.start()
        // Scripts and tests read this line to find a port chosen with --port 0.
        print("sharewired listening on \(address)")
        fflush(nil)  // stdout is block-buffered when piped; the line must go out now
        let serviceGroup = ServiceGroup(
            configuration: .init(
                services: [.init(service: server, successTerminationBehavior: .gracefullyShutdownGroup)],
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger))
        try await withGracefulShutdownHandler {
            try await serviceGroup.run()
        } onGracefulShutdown: {
            health.markAllNotServing()
            health.finishWatches()
        }
        try await group.shutdownGracefully()
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}
