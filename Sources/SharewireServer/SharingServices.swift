import Logging
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
    let errors: ErrorMapper
    let reads: ReadConsistency
    let configuration: SharingServicesConfiguration
    let logger: Logger

    var limits: Limits { errors.limits }
}

/// Every sharing service (accounts, contacts, devices, sharing, check, events,
/// notifications), ready to register into an `RPCRouter`.
public struct SharingServices: Sendable {
    let environment: ServiceEnvironment

    /// - Parameters:
    ///   - backend: the store and writer the services read and write.
    ///   - serviceKey: the service key, or `nil` (account creation and the
    ///     notification outbox are then refused).
    public init(backend: SharingBackend, serviceKey: ServiceKey?,
                configuration: SharingServicesConfiguration = SharingServicesConfiguration(),
                logger: Logger = Logger(label: "sharewire.services")) {
        let limits = backend.snapshots.latest().state.limits
        let errors = ErrorMapper(limits: limits)
        environment = ServiceEnvironment(
            writer: backend.writer, snapshots: backend.snapshots, log: backend.store, bell: backend.bell,
            auth: Authenticator(serviceKey: serviceKey), errors: errors,
            reads: ReadConsistency(snapshots: backend.snapshots, maxWait: configuration.maxRevisionWait, errors: errors),
            configuration: configuration, logger: logger)
    }

    /// Registers every method of every sharing service.
    public func register(in router: inout RPCRouter) {
    }
}
