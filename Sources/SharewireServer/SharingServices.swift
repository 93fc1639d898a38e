import Logging
import SharewireMessages
import SharewireRPC
import SharingDomain

/// Tunables of the sharing services (the domain's limits live in the state).
public struct SharingServicesConfiguration: Sendable {
    /// Longest a read with `min_revision` waits for it, even when the call's
    /// deadline is later. Default 10 s.
    public var maxRevisionWait: Duration = .seconds(10)
    /// Most notifications in one WatchNotifications message. Default 100.
    public var notificationBatchSize = 100
    /// How long a WatchNotifications stream waits for the commit bell before
    /// looking at the store anyway (a safety net; the bell normally wakes it).
    /// Default 5 s.
    public var notificationPollInterval: Duration = .seconds(5)
    /// How many recently authenticated API keys to remember, so a repeat caller
    /// is not hashed again (``AuthCache``); 0 disables it. Default 4096.
    public var authCacheCapacity = 4096
    /// Client-certificate names (subject CN or DNS SAN) that act as the
    /// service over mutual TLS, with no key (``Authenticator``). Default none.
    public var trustedServices: Set<String> = []
    /// Most access changes in one WatchAccessChanges message. Default 500.
    public var accessChangeBatchSize = 500
    /// Longest a WatchAccessChanges stream waits for a new revision before
    /// looking again (it also notices a shutdown then). Default 1 s.
    public var accessChangePollInterval: Duration = .seconds(1)
    /// Least time between progress messages (no changes, a later
    /// through_revision) to a watcher that sees nothing. Default 10 s.
    public var accessChangeProgressInterval: Duration = .seconds(10)

    public init() {}
}

/// What every service implementation shares: the writer and snapshots, the
/// event log, authentication, error mapping and read consistency.
struct ServiceEnvironment: Sendable {
    let writer: SharingWriter
    let snapshots: SharingSnapshots
    let log: any SharingEventLog
    let bell: CommitBell
    let auth: Authenticator
    let keyUsage: APIKeyUsage
    let errors: ErrorMapper
    let reads: ReadConsistency
    let configuration: SharingServicesConfiguration
    let logger: Logger

    var limits: Limits { errors.limits }

    /// What authenticates every call before its handler runs (the generated
    /// pipeline's ``CallAuthentication``).
    var authentication: ServiceAuthentication {
        ServiceAuthentication(auth: auth, snapshots: snapshots, reads: reads)
    }

    /// Submits a write and waits until it is durable; with `validateOnly`,
    /// runs its rules against the latest snapshot instead and answers what it
    /// would do, at the snapshot's revision, changing nothing.
    func write(_ command: SharingCommand, as caller: Caller?, validateOnly: Bool = false) async throws(RPCError)
        -> WriteResult
    {
        if validateOnly {
            let snapshot = snapshots.latest()
            let applied = try domain { () throws(SharingError) in
                try snapshot.state.apply(command, actor: caller?.account, at: snapshot.now)
            }
            return WriteResult(revision: snapshot.revision, outcome: applied.outcome)
        }
        do {
            return try await writer.submit(command, actor: caller?.account)
        } catch {
            if error.reason == .storageUnavailable || error.reason == .commitOutcomeUnknown {
                logger.error("write failed in storage", metadata: ["error": "\(error)"])
            }
            throw errors.status(for: error)
        }
    }

    /// A snapshot including `minRevision` (0: the latest).
    func read(atLeast minRevision: UInt64, _ context: ServerContext) async throws(RPCError) -> SharingSnapshots.Snapshot
    {
        try await reads.snapshot(atLeast: minRevision, context: context)
    }

    /// Runs domain code, mapping its error to a status.
    func domain<T>(_ body: () throws(SharingError) -> T) throws(RPCError) -> T {
        do {
            return try body()
        } catch {
            throw errors.status(for: error)
        }
    }

    /// Reads from the event log or outbox. Such a read changes nothing, so a
    /// storage failure is UNAVAILABLE (safe to retry).
    func storage<T>(_ what: String, _ body: () async throws -> T) async throws(RPCError) -> T {
        do {
            return try await body()
        } catch let error as SharingError {
            throw errors.status(for: error)
        } catch {
            logger.error("storage read failed", metadata: ["what": "\(what)", "error": "\(error)"])
            throw RPCError(.unavailable, "\(what) failed in storage; retry", notProcessed: true)
        }
    }
}

/// Every sharing service (accounts, contacts, devices, sharing, check, events,
/// notifications), ready to register into an `RPCRouter`.
public struct SharingServices: Sendable {
    let environment: ServiceEnvironment
    private let stopping = ShutdownSignal()

    /// - Parameters:
    ///   - backend: the store and writer the services read and write.
    ///   - serviceKey: the service key, or `nil` (account creation and the
    ///     notification outbox are then refused).
    public init(
        backend: SharingBackend, serviceKey: ServiceKey?,
        configuration: SharingServicesConfiguration = SharingServicesConfiguration(),
        logger: Logger = Logger(label: "sharewire.services")
    ) {
        self.init(
            backend: backend, serviceKeys: ServiceKeyRing(current: serviceKey), configuration: configuration,
            logger: logger)
    }

    /// - Parameters:
    ///   - serviceKeys: the accepted service keys; replacing them in the ring
    ///     (a rotation) takes effect on the next call.
    public init(
        backend: SharingBackend, serviceKeys: ServiceKeyRing,
        configuration: SharingServicesConfiguration = SharingServicesConfiguration(),
        logger: Logger = Logger(label: "sharewire.services")
    ) {
        let limits = backend.snapshots.latest().state.limits
        let errors = ErrorMapper(limits: limits)
        environment = ServiceEnvironment(
            writer: backend.writer, snapshots: backend.snapshots, log: backend.store, bell: backend.bell,
            auth: Authenticator(
                serviceKeys: serviceKeys, cacheCapacity: configuration.authCacheCapacity,
                trustedServices: configuration.trustedServices, usage: backend.keyUsage),
            keyUsage: backend.keyUsage, errors: errors,
            reads: ReadConsistency(
                snapshots: backend.snapshots, maxWait: configuration.maxRevisionWait, errors: errors),
            configuration: configuration, logger: logger)
    }

    /// Registers every method of every sharing service.
    public func register(in router: inout RPCRouter) {
        // The generated `register(in:)` of each service's Handler protocol.
        AccountService(env: environment).register(in: &router)
        ContactService(env: environment).register(in: &router)
        DeviceService(env: environment).register(in: &router)
        SharingService(env: environment).register(in: &router)
        CheckService(env: environment).register(in: &router)
        EventService(env: environment, stopping: stopping).register(in: &router)
        NotificationService(env: environment, stopping: stopping).register(in: &router)
    }

    /// Ends the long-lived streams (WatchNotifications, WatchAccessChanges) so a graceful drain
    /// need not wait for its grace period. Call when shutdown begins.
    public func beginShutdown() {
        stopping.stop()
        environment.bell.ring()
    }
}
