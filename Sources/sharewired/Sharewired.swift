import ArgumentParser
import Foundation
import Logging
import Metrics
import NIOCore
import NIOPosix
import Prometheus
import ServiceLifecycle
import SharewireRPC
import SharewireServer
import SharingDomain

/// `sharewired`: the Sharewire server.
@main
struct Sharewired: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sharewired",
        abstract: "Serve the Sharewire RPC protocol over TCP.",
        discussion: """
        Keeps its state in SQLite under --data-dir (created if missing) and
        reloads all of it on start. Listens on loopback by default; pass
        --host 0.0.0.0 to expose it.

        The service key (account creation, acting for an account, the
        notification outbox) comes from --service-key-file or the environment
        variable SHAREWIRE_SERVICE_KEY; there is no default. Without one the
        server runs, but refuses account creation.

        SIGTERM or SIGINT starts a graceful drain: running calls finish, new
        calls get UNAVAILABLE, and after --drain-grace-seconds the rest close;
        then every submitted write commits before the database closes.

        Example:
          SHAREWIRE_SERVICE_KEY=$(head -c 32 /dev/urandom | xxd -p -c 64) \\
            sharewired --data-dir /var/lib/sharewire --metrics-port 9464
        """
    )

    @OptionGroup(title: "Server") var server: ServerOptions
    @OptionGroup(title: "Storage and authentication") var storage: StorageOptions
    @OptionGroup(title: "Store (SQLite or PostgreSQL)") var store: StoreOptions
    @OptionGroup(title: "Domain limits") var limits: LimitOptions
    @OptionGroup(title: "Observability") var observability: ObservabilityOptions

    func validate() throws {
        try server.validate()
        try storage.validate()
        try store.validate()
        try limits.validate()
        try observability.validate()
    }

    func run() async throws {
        observability.bootstrapLogging()
        let logger = Logger(label: "sharewired")

        let serviceKey: ServiceKey?
        do {
            let loaded = try ServiceKey.load(file: storage.serviceKeyFile, environment: ProcessInfo.processInfo.environment)
            serviceKey = loaded?.0
            if let source = loaded?.1 {
                logger.info("service key loaded", metadata: ["source": "\(source)"])
            } else {
                logger.warning("no service key configured: account creation and the notification outbox are disabled",
                               metadata: ["hint": "set \(ServiceKey.environmentVariable) or --service-key-file"])
            }
        } catch {
            throw ValidationError("service key: \(error)")
        }

        let registry = observability.metricsPort.map { _ in PrometheusCollectorRegistry() }
        if let registry { MetricsSystem.bootstrap(ObservabilityOptions.metricsFactory(registry: registry)) }

        let backend = try await store.openBackend(dataDir: storage.dataDir, limits: limits.domainLimits,
                                                  metrics: registry == nil ? nil : CommitMetrics(),
                                                  maxBatch: storage.maxWriteBatch, logger: logger)
        let state = backend.snapshots.latest().state
        logger.info("state loaded", metadata: [
            "data-dir": "\(storage.dataDir)", "revision": "\(state.revision)", "accounts": "\(state.accountCount)",
            "devices": "\(state.deviceCount)", "shares": "\(state.shareCount)",
        ])

        let health = HealthService()
        var router = RPCRouter()
        health.register(in: &router)
        DiagnosticsService().register(in: &router)
        var servicesConfig = SharingServicesConfiguration()
        servicesConfig.maxRevisionWait = .milliseconds(storage.maxRevisionWaitMs)
        servicesConfig.authCacheCapacity = storage.authCacheSize
        let services = SharingServices(backend: backend, serviceKey: serviceKey, configuration: servicesConfig,
                                       logger: Logger(label: "sharewire.services"))
        services.register(in: &router)

        var config = server.configuration
        if registry != nil { config.observer = RPCMetrics(methods: router.methods) }

        let group = MultiThreadedEventLoopGroup(numberOfThreads: server.threads)
        // The metrics listener first: if its port is taken, fail before serving calls.
        var metrics: (channel: any Channel, address: SocketAddress)?
        if let registry, let port = observability.metricsPort {
            metrics = try await MetricsEndpoint.start(host: observability.metricsHost, port: port, registry: registry,
                                                      group: group)
        }
        let rpcServer = RPCServer(configuration: config, router: router, group: group, logger: logger)
        rpcServer.onDrain {
            health.markAllNotServing()
            health.finishWatches()
            services.beginShutdown()  // watch streams end (OK) instead of holding the drain open
        }
        let address = try await rpcServer.start()
        // Scripts and tests read these lines to find ports chosen with 0.
        print("sharewired listening on \(address)")
        if let metrics { print("sharewired metrics on \(metrics.address)") }
        fflush(nil)  // stdout is block-buffered when piped; the lines must go out now

        let serviceGroup = ServiceGroup(
            configuration: .init(
                services: [.init(service: rpcServer, successTerminationBehavior: .gracefullyShutdownGroup)],
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger))
        do {
            try await serviceGroup.run()
        } catch {
            logger.error("server stopped with an error", metadata: ["error": "\(error)"])
        }
        // Calls are drained; now let every submitted write commit, then close.
        logger.info("waiting for pending writes")
        try await backend.shutdown()
        try? await metrics?.channel.close()
        try await group.shutdownGracefully()
        logger.info("stopped", metadata: ["revision": "\(backend.snapshots.revision)"])
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}
