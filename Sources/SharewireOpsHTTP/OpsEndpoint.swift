import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// The limits of the operations endpoint (docs/SERVER.md §7).
public struct OpsEndpointConfiguration: Sendable {
    public var host = "127.0.0.1"
    /// 0 picks a free port.
    public var port = 0
    /// Open connections; one more is closed as soon as it is accepted.
    public var maxConnections = 16
    /// How long a connection may wait between requests.
    public var idleTimeout: TimeAmount = .seconds(60)
    /// How long a request may take to arrive once its first byte has
    /// (header and body): half-sent requests are closed then.
    public var requestTimeout: TimeAmount = .seconds(5)

    public init() {}
}

/// The operations HTTP/1.1 endpoint: `GET /metrics` (Prometheus text),
/// `GET /healthz` (the process answers), `GET /readyz` (200 only while
/// serving). swift-nio's HTTP/1 server pipeline, behind a connection cap and
/// an idle and a request timeout. It has no authentication: keep it on
/// loopback or a private network.
public final class OpsEndpoint: Sendable {
    /// The bound address.
    public let localAddress: SocketAddress
    private let channel: any Channel
    private let connections: ConnectionTable

    private init(channel: any Channel, localAddress: SocketAddress, connections: ConnectionTable) {
        self.channel = channel
        self.localAddress = localAddress
        self.connections = connections
    }

    /// Connections open right now.
    public var connectionCount: Int { connections.table.withLock { $0.count } }

    /// Binds and serves.
    ///
    /// - Parameter metrics: appends the Prometheus text exposition; nil
    ///   answers `/metrics` with 404.
    public static func start(
        configuration: OpsEndpointConfiguration, readiness: Readiness,
        metrics: (@Sendable (inout [UInt8]) -> Void)?,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger = Logger(label: "sharewire.ops-http")
    ) async throws -> OpsEndpoint {
        let config = configuration
        let routes = OpsRoutes(readiness: readiness, metrics: metrics)
        let counters = OpsEndpointMetrics()
        let open = ConnectionTable()
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 32)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                let id = ObjectIdentifier(channel)
                let count = open.table.withLock { table -> Int? in
                    guard table.count < config.maxConnections else { return nil }
                    table[id] = channel
                    return table.count
                }
                guard let count else {
                    counters.connectionRefused()
                    logger.notice(
                        "HTTP connection refused: connection limit reached",
                        metadata: ["limit": "\(config.maxConnections)"])
                    return channel.close()
                }
                counters.connections(count)
                channel.closeFuture.whenComplete { _ in
                    counters.connections(
                        open.table.withLock { table in
                            table[id] = nil
                            return table.count
                        })
                }
                return channel.eventLoop.makeCompletedFuture {
                    let sync = channel.pipeline.syncOperations
                    try sync.addHandler(
                        HTTPTimeoutHandler(
                            idleTimeout: config.idleTimeout,
                            requestTimeout: config.requestTimeout,
                            metrics: counters, logger: logger))
                    try sync.configureHTTPServerPipeline(withErrorHandling: true)
                    try sync.addHandler(OpsHTTPHandler(routes: routes))
                }
            }
            .bind(host: config.host, port: config.port)
            .get()
        guard let address = channel.localAddress else {
            try? await channel.close()
            throw OpsEndpointError("HTTP listener has no local address")
        }
        logger.info(
            "HTTP endpoint listening",
            metadata: [
                "address": "\(address)", "max-connections": "\(config.maxConnections)",
            ])
        return OpsEndpoint(channel: channel, localAddress: address, connections: open)
    }

    /// Stops listening and closes every open connection.
    public func close() async {
        try? await channel.close()
        for connection in connections.table.withLock({ Array($0.values) }) {
            try? await connection.close()
        }
    }
}

/// The open connections, shared by the accepting loop, each connection's
/// close and ``OpsEndpoint/close()``.
final class ConnectionTable: Sendable {
    let table = Mutex<[ObjectIdentifier: any Channel]>([:])
}

/// The operations endpoint could not start.
public struct OpsEndpointError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
