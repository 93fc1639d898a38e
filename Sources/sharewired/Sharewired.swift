import ArgumentParser
import Foundation
import Logging
import Metrics
import NIOCore
import NIOPosix
import Prometheus
import ServiceLifecycle
import SharewireOpsHTTP
import SharewireRPC
import SharewireServer
import SharingDomain
import SharingStore
import UnixSignals

/// `sharewired`: the Sharewire server.
@main
struct Sharewired: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sharewired",
        abstract: "Serve the Sharewire RPC protocol over TCP.",
        discussion: """
            Keeps its state in SQLite under --data-dir (created if missing) and
            reloads all of it on start. It refuses to start (exit 1, the reason on
            stderr) rather than start empty if that directory holds database files
            but no valid database, if the database is not writable, or if a newer
            sharewired wrote it. Listens on loopback by default; pass
            --host 0.0.0.0 to expose it, with TLS (--tls-cert, --tls-key):
            plain TCP on an address other than loopback is refused unless
            --insecure-plaintext is given.

            The service key (account creation, acting for an account, the
            notification outbox) comes from --service-key-file or the environment
            variable SHAREWIRE_SERVICE_KEY; there is no default. Without one the
            server runs, but refuses account creation. --create-service-key makes
            a new one in the --service-key-file if that file does not exist.

            SIGTERM or SIGINT starts a graceful drain: running calls finish, new
            calls get UNAVAILABLE, and after --drain-grace-seconds the rest close;
            then every submitted write commits, and the WAL is checkpointed into
            the database file before it closes.

            Examples:
              sharewired --data-dir ./sharewire-data \\
                --service-key-file ./sharewire-data/service.key --create-service-key
              head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \\n' > service.key
              chmod 600 service.key
              sharewired --data-dir /var/lib/sharewire --service-key-file service.key \\
                --metrics-port 9464
              sharewired --host 0.0.0.0 --tls-cert server.pem --tls-key server.key \\
                --tls-client-ca clients-ca.pem --trusted-service billing.internal
              sharewired migrate --store-file store-url   # schema only, then exit
            """,
        subcommands: [Migrate.self]
    )

    @OptionGroup(title: "Server") var server: ServerOptions
    @OptionGroup(title: "TLS") var tls: TLSOptions
    @OptionGroup(title: "Storage and authentication") var storage: StorageOptions
    @OptionGroup(title: "Store (SQLite or PostgreSQL)") var store: StoreOptions
    @OptionGroup(title: "Domain limits") var limits: LimitOptions
    @OptionGroup(title: "Observability") var observability: ObservabilityOptions

    func validate() throws {
        try server.validate()
        try tls.validate()
        try storage.validate()
        try store.validate()
        try limits.validate()
        try observability.validate()
    }

    func run() async throws {
        do {
            try await serve()
        } catch let failure as StartupFailure {
            throw failure.report()
        }
    }

    private func serve() async throws {
        observability.bootstrapLogging()
        let logger = Logger(label: "sharewired")
        try tls.checkExposure(host: server.host)

        if storage.createServiceKey, let file = storage.serviceKeyFile {
            do {
                if try ServiceKeyFile.createIfMissing(file) {
                    print("sharewired: created a new service key in \(file) (mode 0600)")
                }
            } catch {
                throw StartupFailure(message: "cannot create the service key file \(file): \(error)")
            }
        }
        let serviceKeys: ServiceKeyRing
        do {
            let (current, next) = try storage.loadServiceKeys(logger: logger)
            serviceKeys = ServiceKeyRing(current: current, next: next)
        } catch {
            throw ValidationError("service key: \(error)")
        }

        let registry = observability.metricsPort.map { _ in PrometheusCollectorRegistry() }
        if let registry { MetricsSystem.bootstrap(ObservabilityOptions.metricsFactory(registry: registry)) }

        let group = MultiThreadedEventLoopGroup(numberOfThreads: server.threads)
        // The HTTP endpoint first: /readyz says "starting" while the store
        // loads, and a taken port fails before anything else is done.
        let readiness = Readiness()
        var ops: OpsEndpoint?
        if let registry, let port = observability.metricsPort {
            do {
                ops = try await OpsEndpoint.start(
                    configuration: observability.endpointConfiguration(port: port),
                    readiness: readiness,
                    metrics: { registry.emit(into: &$0) }, group: group,
                    logger: Logger(label: "sharewired.http"))
            } catch {
                try? await group.shutdownGracefully()
                throw StartupFailure.listen(
                    host: observability.metricsHost, port: port, flag: "--metrics-port",
                    error: error)
            }
        }

        let backend: SharingBackend
        do {
            backend = try await store.openBackend(
                dataDir: storage.dataDir, limits: limits.domainLimits,
                metrics: registry == nil ? nil : CommitMetrics(),
                maxBatch: storage.maxWriteBatch, logger: logger)
        } catch let error as StoreOpenError {
            await ops?.close()
            try? await group.shutdownGracefully()
            throw StartupFailure(message: "\(error)")
        } catch {
            await ops?.close()
            try? await group.shutdownGracefully()
            // Errors of the PostgreSQL store name their cause, never the password.
            throw StartupFailure(message: "cannot load the store: \(error)")
        }
        let state = backend.snapshots.latest().state
        logger.info(
            "state loaded",
            metadata: [
                "data-dir": "\(storage.dataDir)", "revision": "\(state.revision)", "accounts": "\(state.accountCount)",
                "devices": "\(state.deviceCount)", "shares": "\(state.shareCount)",
            ])

        // Check tells its revision and feed staleness, so `sharewire status`
        // shows how far each instance of a cluster is behind.
        let health = HealthService { [snapshots = backend.snapshots, feed = backend.feed] in
            HealthService.Details(revision: snapshots.revision, feedStaleness: feed?.staleness)
        }
        var router = RPCRouter()
        health.register(in: &router)
        DiagnosticsService().register(in: &router)
        var servicesConfig = SharingServicesConfiguration()
        servicesConfig.maxRevisionWait = .milliseconds(storage.maxRevisionWaitMs)
        servicesConfig.authCacheCapacity = storage.authCacheSize
        servicesConfig.trustedServices = Set(tls.trustedServices)
        let services = SharingServices(
            backend: backend, serviceKeys: serviceKeys, configuration: servicesConfig,
            logger: Logger(label: "sharewire.services"))
        services.register(in: &router)

        var config = server.configuration
        config.tls = tls.serverTLS
        if registry != nil { config.observer = RPCMetrics(methods: router.methods) }

        let rpcServer = RPCServer(configuration: config, router: router, group: group, logger: logger)
        readiness.follow(rpcServer)  // /readyz turns 503 before the first GOAWAY
        rpcServer.onDrain {
            health.markAllNotServing()
            health.finishWatches()
            services.beginShutdown()  // watch streams end (OK) instead of holding the drain open
        }
        let address: SocketAddress
        do {
            do {
                address = try await rpcServer.start()
            } catch let error as TLSSetupError {
                throw StartupFailure(message: "\(error)")
            } catch {
                throw StartupFailure.listen(host: server.host, port: server.port, flag: "--port", error: error)
            }
        } catch {
            await ops?.close()
            try? await backend.shutdown()
            try? await group.shutdownGracefully()
            throw error
        }
        readiness.markServing()
        let serviceGroup = ServiceGroup(
            configuration: .init(
                services: [.init(service: rpcServer, successTerminationBehavior: .gracefullyShutdownGroup)],
                gracefulShutdownSignals: [],
                logger: logger))
        // The signal handlers go in before the listening line: whoever reads
        // it may send SIGTERM at once, and that must drain, not kill. (The
        // group installs its own only when it runs.) A request that comes
        // before `run()` is remembered by the group.
        let signals = await UnixSignalsSequence(trapping: .sigterm, .sigint)
        let signalWatcher = Task {
            for await signal in signals {
                logger.info("received signal; draining", metadata: ["signal": "\(signal)"])
                await serviceGroup.triggerGracefulShutdown()
            }
        }
        defer { signalWatcher.cancel() }
        // SIGHUP, or a change of the files (--reload-check-seconds), rereads
        // the service keys (the next call on every connection sees them) and
        // reloads the TLS certificate, key and client CAs (new connections get
        // them, open ones keep theirs); a bad file keeps the old.
        let reload: @Sendable (String) -> Void = { [storage, servesTLS = config.tls != nil] why in
            logger.info("reloading service keys and TLS files", metadata: ["trigger": "\(why)"])
            do {
                let (current, next) = try storage.loadServiceKeys(logger: logger)
                serviceKeys.replace(current: current, next: next)
            } catch {
                logger.error("service key reload failed; keeping the keys in use", metadata: ["error": "\(error)"])
            }
            // RPCServer logs the outcome and feeds the metrics.
            if servesTLS { _ = try? rpcServer.reloadTLS() }
        }
        let hangups = await UnixSignalsSequence(trapping: .sighup)
        let reloadOnSignal = Task {
            for await _ in hangups { reload("SIGHUP") }
        }
        defer { reloadOnSignal.cancel() }
        let watched = [
            tls.certificateFile, tls.keyFile, tls.clientCAFile, storage.serviceKeyFile,
            storage.nextServiceKeyFile,
        ].compactMap { $0 }
        let reloadOnChange = Task { [interval = tls.reloadCheckSeconds] in
            guard interval > 0, !watched.isEmpty else { return }
            var detector = FileChangeDetector(loaded: FileChangeDetector.look(at: watched))
            while (try? await Task.sleep(for: .seconds(interval))) != nil {
                let changed = detector.observe(FileChangeDetector.look(at: watched))
                if !changed.isEmpty { reload("changed: " + changed.joined(separator: ", ")) }
            }
        }
        defer { reloadOnChange.cancel() }

        // Scripts and tests read these lines (`… on 127.0.0.1:7070`, `… on [::1]:7070`)
        // to find ports chosen with 0.
        print("sharewired listening on \(Endpoint.text(address))")
        if let ops { print("sharewired metrics on \(Endpoint.text(ops.localAddress))") }
        fflush(nil)  // stdout is block-buffered when piped; the lines must go out now

        do {
            try await serviceGroup.run()
        } catch {
            logger.error("server stopped with an error", metadata: ["error": "\(error)"])
        }
        // Calls are drained; now let every submitted write commit, then close.
        logger.info("waiting for pending writes")
        try await backend.shutdown()
        await ops?.close()
        try await group.shutdownGracefully()
        logger.info("stopped", metadata: ["revision": "\(backend.snapshots.revision)"])
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}

extension StorageOptions {
    /// The current and next service keys from their files or environment
    /// variables, each logged by source (never the key).
    func loadServiceKeys(logger: Logger) throws -> (current: ServiceKey?, next: ServiceKey?) {
        let environment = ProcessInfo.processInfo.environment
        let current = try ServiceKey.load(file: serviceKeyFile, environment: environment)
        let next = try ServiceKey.load(
            file: nextServiceKeyFile, environment: environment,
            variable: ServiceKey.nextEnvironmentVariable, emptyFileMeansNone: true)
        if let source = current?.1 {
            logger.info("service key loaded", metadata: ["source": "\(source)"])
        }
        if let source = next?.1 {
            logger.info(
                "next service key loaded: both keys are accepted until it is made the current one",
                metadata: ["source": "\(source)"])
        }
        if current == nil && next == nil {
            logger.warning(
                "no service key configured: account creation and the notification outbox are disabled",
                metadata: ["hint": "set \(ServiceKey.environmentVariable) or --service-key-file"])
        }
        return (current?.0, next?.0)
    }
}
