import Logging
import NIOCore
import NIOPosix
import NIOSSL
import ServiceLifecycle
import Synchronization

/// A Sharewire RPC server: binds a TCP listener and serves the methods of an
/// `RPCRouter` on every accepted connection.
///
/// As a swift-service-lifecycle `Service`, `run()` serves until graceful
/// shutdown is requested (SIGTERM/SIGINT through `ServiceGroup`), then drains:
/// new calls get UNAVAILABLE, running calls finish, and whatever is left
/// after `drainGracePeriod` is closed.
public final class RPCServer: Service, Sendable {
    public let configuration: ServerConfiguration
    private let router: RPCRouter
    private let group: any EventLoopGroup
    private let logger: Logger
    private let shared: ServerSharedState
    private enum ListenerState {
        case idle
        case listening(any Channel, SocketAddress)
        /// Drained; a server is not restarted.
        case stopped
    }

    private let listener = Mutex(ListenerState.idle)
    /// The TLS context new connections get; replaced by ``reloadTLS()``.
    private let tls = ServerTLSHolder()
    private let drainHandlers = Mutex<[@Sendable () -> Void]>([])

    public init(
        configuration: ServerConfiguration, router: RPCRouter,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger = Logger(label: "sharewire.rpc.server")
    ) {
        self.configuration = configuration
        self.shared = ServerSharedState(authFailureLimits: configuration.authFailureLimits)
        self.router = router
        self.group = group
        self.logger = logger
    }

    /// Binds the listener; returns the bound address (useful with port 0).
    @discardableResult
    public func start() async throws -> SocketAddress {
        switch listener.withLock({ $0 }) {
        case let .listening(_, address): return address
        case .stopped: throw RPCError(.unavailable, "server was drained", notProcessed: true)
        case .idle: break
        }
        let config = configuration, router = self.router, shared = self.shared, logger = self.logger
        // A bad file fails here, before anything listens.
        if let serverTLS = config.tls, tls.current == nil {
            let loaded = try serverTLS.load()
            tls.replace(with: loaded)
            config.observer?.tlsCertificateLoaded(loaded.certificate)
            logger.info("TLS certificate loaded", metadata: Self.metadata(loaded.certificate, file: serverTLS))
        }
        let tls = self.tls
        let mutualTLS = config.tls?.clientCAFile != nil
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            // A client's half-close ends its calls like a GOAWAY, with answers.
            .childChannelOption(.allowRemoteHalfClosure, value: true)
            .childChannelOption(
                .writeBufferWaterMark,
                value: .init(low: config.writeBufferLowWatermark, high: config.writeBufferHighWatermark)
            )
            .childChannelOption(.maxMessagesPerRead, value: 16)
            .childChannelInitializer { channel in
                let accepted = shared.add(channel, limit: config.maxConnections)
                if accepted {
                    config.observer?.connectionOpened()
                    channel.closeFuture.whenComplete { _ in
                        shared.remove(channel)
                        config.observer?.connectionClosed()
                    }
                }
                // Read per connection: a reload applies to the next accept,
                // while open connections keep the context they started with.
                let tlsContext = tls.current?.context
                return channel.eventLoop.makeCompletedFuture {
                    if let tlsContext {
                        let peer = channel.remoteAddress.map { "\($0)" } ?? "unknown"
                        try channel.pipeline.syncOperations.addHandlers(
                            ServerTLS.handlers(
                                context: tlsContext, mutual: mutualTLS, logger: logger, peer: peer))
                    }
                    try channel.pipeline.syncOperations.addHandler(
                        ServerConnectionHandler(
                            router: router, config: config, shared: shared, logger: logger,
                            acceptedWithinLimit: accepted))
                }
            }
            .bind(host: config.host, port: config.port)
            .get()
        guard let address = channel.localAddress else {
            try? await channel.close()
            throw RPCError(.internal, "listener has no local address")
        }
        let raced = listener.withLock { state -> Bool in
            guard case .idle = state else { return true }
            state = .listening(channel, address)
            return false
        }
        if raced {
            // Another start() or a drain() won; keep theirs.
            try? await channel.close()
            return try await start()
        }
        logger.info(
            "listening",
            metadata: [
                "address": "\(address)", "methods": "\(router.methods.count)",
                "tls": "\(config.tls == nil ? "off" : mutualTLS ? "mutual" : "on")",
            ])
        return address
    }

    /// Loads the TLS certificate, key and client CA files again; connections
    /// accepted from now on use them, open ones keep theirs. On failure (a
    /// missing file, bad PEM, a key that does not match) the certificate in
    /// use stays and the error says why.
    @discardableResult
    public func reloadTLS() throws(TLSSetupError) -> ServerCertificateSummary {
        guard let serverTLS = configuration.tls else { throw TLSSetupError("this server does not serve TLS") }
        let loaded: (context: NIOSSLContext, certificate: ServerCertificateSummary)
        do {
            loaded = try serverTLS.load()
        } catch {
            configuration.observer?.tlsCertificateReloadFailed()
            logger.error(
                "TLS certificate reload failed; keeping the certificate in use",
                metadata: ["error": "\(error)", "not-after": "\(tls.current?.certificate.notValidAfter ?? 0)"])
            throw error
        }
        tls.replace(with: loaded)
        configuration.observer?.tlsCertificateLoaded(loaded.certificate)
        logger.info("TLS certificate reloaded", metadata: Self.metadata(loaded.certificate, file: serverTLS))
        return loaded.certificate
    }

    /// The certificate new connections are served, if TLS is on and started.
    public var tlsCertificate: ServerCertificateSummary? { tls.current?.certificate }

    private static func metadata(_ certificate: ServerCertificateSummary, file: ServerTLS) -> Logger.Metadata {
        [
            "file": "\(file.certificateChainFile)", "subject-cn": "\(certificate.commonName ?? "")",
            "not-after": "\(certificate.notValidAfter)",
        ]
    }

    /// Installs this server's connection handler on `channel`, as for an
    /// accepted plain-TCP connection (no TLS, not counted against
    /// `maxConnections`, not reached by `drain()`). For in-memory channels:
    /// the fuzz target in tools/fuzz drives one on NIO's `EmbeddedChannel`.
    /// Call on the channel's event loop.
    @_spi(Testing)
    public func addConnectionHandler(to channel: any Channel) throws {
        try channel.pipeline.syncOperations.addHandler(
            ServerConnectionHandler(
                router: router, config: configuration, shared: shared, logger: logger, acceptedWithinLimit: true))
    }

    /// The bound address, once started.
    public var localAddress: SocketAddress? {
        listener.withLock { state in
            if case let .listening(_, address) = state { return address }
            return nil
        }
    }

    /// Registers `handler` to run once when a drain begins: after the
    /// listener closes, before any connection is sent its first GOAWAY. Health
    /// turns NOT_SERVING and long-lived streams end there, so nothing a client
    /// sees after the GOAWAY still says "serving", and no watch holds the
    /// drain open until the grace period.
    public func onDrain(_ handler: @escaping @Sendable () -> Void) {
        drainHandlers.withLock { $0.append(handler) }
    }

    /// Connections open right now.
    public var connectionCount: Int { shared.connectionCount }

    /// Serves until graceful shutdown, then drains. Starts the listener if
    /// `start()` was not called.
    public func run() async throws {
        do {
            try await start()
        } catch let error as RPCError where error.code == .unavailable {
            return  // already drained
        }
        try? await gracefulShutdown()
        await drain()
    }

    /// Stops accepting, drains every connection, and returns once all are
    /// closed or the grace period has passed (then closing the rest).
    public func drain() async {
        let previous = listener.withLock { state -> ListenerState in
            defer { state = .stopped }
            return state
        }
        guard case let .listening(channel, _) = previous else { return }
        logger.info("draining", metadata: ["connections": "\(shared.connectionCount)", "calls": "\(shared.callCount)"])
        try? await channel.close()
        for handler in drainHandlers.withLock({ $0 }) { handler() }
        shared.drainAll()
        let grace = configuration.drainGracePeriod
        let shared = self.shared
        await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                await shared.waitUntilAllClosed()
                return true
            }
            group.addTask {
                try? await Task.sleep(for: .nanoseconds(grace.nanoseconds))
                return false
            }
            if await group.next() == false {
                self.logger.warning(
                    "drain grace period over; closing remaining connections",
                    metadata: ["connections": "\(shared.connectionCount)"])
                shared.closeAll()
                await shared.waitUntilAllClosed()
            }
            group.cancelAll()
        }
        logger.info("drained")
    }
}

/// The server's current TLS context and certificate, swapped whole by a reload.
final class ServerTLSHolder: Sendable {
    private let state = Mutex<(context: NIOSSLContext, certificate: ServerCertificateSummary)?>(nil)

    var current: (context: NIOSSLContext, certificate: ServerCertificateSummary)? { state.withLock { $0 } }

    func replace(with loaded: (context: NIOSSLContext, certificate: ServerCertificateSummary)) {
        state.withLock { $0 = loaded }
    }
}
