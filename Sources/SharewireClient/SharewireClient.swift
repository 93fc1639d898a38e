internal import NIOCore
internal import SharewireMessages
internal import SharewireRPC
import Synchronization

/// The typed Sharewire client: every sharing operation as an `async` method
/// taking and returning plain Swift values.
///
/// ```swift
/// let client = SharewireClient(configuration: .init(
///     endpoint: Endpoint(host: "127.0.0.1", port: 7070),
///     credentials: .serviceKey(key, actingAs: "alice@example.com")))
/// defer { client.close() }
/// let result = try await client.share(devices: ["dev_1"], with: ["bob@example.com"], access: .all)
/// let allowed = try await client.check(user: "acc_2", device: "dev_1", port: 22)
/// ```
///
/// - **Errors** are ``SharewireError`` values: code, message and a typed
///   detail naming the offending id, email or field.
/// - **Retries** follow ``RetryPolicy``: a call the server provably did not
///   process is retried for any method, a broken call only for reads; a
///   write that may have been applied is never sent twice. A client-wide
///   ``RetryBudget`` throttles retries when most calls fail.
/// - **Consistency**: the client remembers the highest ``Revision`` it has
///   seen (``revision``); with ``ReadConsistency/readYourWrites`` (the
///   default) every read asks the server for at least that revision.
/// - **Deadlines**: ``Configuration/defaultTimeout`` or ``CallOptions/timeout``
///   bounds a call including all its retries.
///
/// A client is `Sendable`: share one per process (it multiplexes calls over
/// its connections). Call ``close()`` when done; connections are also closed
/// once the client and every client derived from it are released.
public final class SharewireClient: Sendable {
    /// The configuration it was made with (credentials as given to ``acting(as:)``).
    public let configuration: Configuration
    /// The client-wide retry budget, `nil` when throttling is off.
    public let retryBudget: RetryBudget?
    let transports: Transports
    let tracker: RevisionTracker
    let metadata: Metadata

    /// A client for `configuration`. Connects lazily, on the first call.
    public init(configuration: Configuration) {
        self.configuration = configuration
        self.retryBudget = configuration.retryThrottling.map(RetryBudget.init)
        self.transports = Transports(configuration)
        self.tracker = RevisionTracker()
        self.metadata = Self.metadata(for: configuration.credentials)
    }

    /// A client for one endpoint, with default settings.
    public convenience init(endpoint: Endpoint, credentials: Credentials) {
        self.init(configuration: Configuration(endpoint: endpoint, credentials: credentials))
    }

    private init(sharing base: SharewireClient, credentials: Credentials) {
        var configuration = base.configuration
        configuration.credentials = credentials
        self.configuration = configuration
        self.retryBudget = base.retryBudget
        self.transports = base.transports
        self.tracker = base.tracker
        self.metadata = Self.metadata(for: credentials)
    }

    /// A client that uses this one's connections, retry budget and revision
    /// tracking, but acts for another account: with the service key, the
    /// account `acc_N` or email given; with an API key the server refuses
    /// act-as (PERMISSION_DENIED, `SERVICE_KEY_REQUIRED`).
    ///
    /// - Parameter account: an account id or email; `nil` for the service key itself.
    public func acting(as account: String?) -> SharewireClient {
        let credentials: Credentials =
            switch configuration.credentials {
            case let .serviceKey(key, _): .serviceKey(key, actingAs: account)
            case let .apiKey(key): account == nil ? .apiKey(key) : .serviceKey(key, actingAs: account)
            case .clientCertificate: .clientCertificate(actingAs: account)
            case .none: .none
            }
        return SharewireClient(sharing: self, credentials: credentials)
    }

    /// The same connections, budget and revision tracking with other credentials.
    public func with(credentials: Credentials) -> SharewireClient {
        SharewireClient(sharing: self, credentials: credentials)
    }

    /// The highest revision seen in any response so far (shared with
    /// clients made by ``acting(as:)``); `.zero` before the first.
    public var revision: Revision { Revision(tracker.current) }

    /// Makes later reads (with ``ReadConsistency/readYourWrites``) reflect
    /// at least `revision`, e.g. a revision another service passed along.
    public func observe(_ revision: Revision) {
        tracker.observe(revision.rawValue)
    }

    /// Opens the connections to every endpoint now, so the first call does
    /// not pay for the handshake.
    /// - Throws: ``SharewireError`` UNAVAILABLE when no endpoint can be
    ///   reached (with several, calls go to those that could).
    public func connect() async throws(SharewireError) {
        let failures = await withTaskGroup(of: RPCError?.self) { group in
            for transport in transports.clients {
                group.addTask {
                    do throws(RPCError) {
                        try await transport.connect()
                        return nil
                    } catch {
                        return error
                    }
                }
            }
            var failures: [RPCError] = []
            for await failure in group { if let failure { failures.append(failure) } }
            return failures
        }
        if failures.count == transports.clients.count, let first = failures.first { throw SharewireError(first) }
    }

    /// Asks every endpoint for its health (`Health/Check`, one attempt each,
    /// all at once): its serving status, the revision it answers reads at and,
    /// in a PostgreSQL cluster, the staleness of its change feed. An endpoint
    /// that cannot be reached is listed with its error. Needs no credentials.
    ///
    /// - Parameter timeout: per endpoint.
    /// - Returns: one entry per endpoint, in configuration order.
    public func instances(timeout: Duration = .seconds(2)) async -> [InstanceStatus] {
        let endpoints = configuration.endpoints.isEmpty ? [Endpoint.localDefault] : configuration.endpoints
        return await withTaskGroup(of: (Int, InstanceStatus).self) { group in
            for (index, transport) in transports.clients.enumerated() {
                let endpoint = endpoints[index]
                group.addTask {
                    do throws(RPCError) {
                        let response: HealthCheckResponse = try await transport.unary(
                            Sharewire_V1.Health.Method.Check.descriptor, HealthCheckRequest(), timeout: timeout)
                        return (index, InstanceStatus(endpoint: endpoint, response: response))
                    } catch {
                        return (index, InstanceStatus(endpoint: endpoint, error: SharewireError(error)))
                    }
                }
            }
            var statuses: [InstanceStatus?] = Array(repeating: nil, count: endpoints.count)
            for await (index, status) in group { statuses[index] = status }
            return statuses.compactMap { $0 }
        }
    }

    /// Closes every connection once its running calls finish. Calls made
    /// afterwards fail with UNAVAILABLE. Clients made by ``acting(as:)``
    /// share the connections and are closed too.
    public func close() {
        transports.close()
    }

    static func metadata(for credentials: Credentials) -> Metadata {
        switch credentials {
        case let .apiKey(key):
            return [MetadataEntry(key: "authorization", value: "Bearer \(key)")]
        case let .serviceKey(key, actingAs):
            var metadata = [MetadataEntry(key: "authorization", value: "Bearer \(key)")]
            if let actingAs { metadata.append(MetadataEntry(key: "x-sharewire-act-as", value: actingAs)) }
            return metadata
        case let .clientCertificate(actingAs):
            return actingAs.map { [MetadataEntry(key: "x-sharewire-act-as", value: $0)] } ?? []
        case .none:
            return []
        }
    }
}

/// One `RPCClient` per endpoint; calls start round-robin.
final class Transports: Sendable {
    let clients: [RPCClient]
    private let next = Atomic<Int>(0)
    private let closed = Atomic<Bool>(false)

    /// True after ``close()``: nothing is retried any more.
    var isClosed: Bool { closed.load(ordering: .acquiring) }

    func close() {
        closed.store(true, ordering: .releasing)
        for client in clients { client.close() }
    }

    /// The last client using these connections is gone (every call and
    /// stream holds its client): close them rather than leak them.
    deinit {
        if !isClosed { close() }
    }

    init(_ configuration: SharewireClient.Configuration) {
        let endpoints = configuration.endpoints.isEmpty ? [Endpoint.localDefault] : configuration.endpoints
        clients = endpoints.map { endpoint in
            var rpc = ClientConfiguration(host: endpoint.host, port: endpoint.port)
            rpc.agent = configuration.agent
            rpc.connections = max(1, configuration.connectionsPerEndpoint)
            rpc.defaultTimeout = nil  // the typed client always passes the deadline it wants
            rpc.connectTimeout = .nanoseconds(configuration.connectTimeout.nanosecondsClamped)
            rpc.maxMessageSize = UInt32(clamping: configuration.maxResponseSize)
            rpc.tls = configuration.tls.map(ClientTLS.init)
            if let keepalive = configuration.keepalive {
                rpc.keepaliveInterval = .nanoseconds(keepalive.interval.nanosecondsClamped)
                rpc.keepaliveTimeout = .nanoseconds(keepalive.timeout.nanosecondsClamped)
            } else {
                rpc.keepaliveInterval = nil
            }
            return RPCClient(configuration: rpc)
        }
    }

    /// The first endpoint index for a new call.
    func start() -> Int {
        clients.count == 1 ? 0 : next.add(1, ordering: .relaxed).oldValue
    }

    /// The transport for attempt `attempt` (1-based) of a call that started
    /// at `start`: the readiest endpoint (``ConnectionReadiness``), searching
    /// from the one round-robin gives, so calls spread over the ready
    /// endpoints, skip one whose connection is failing or backing off, and a
    /// retry moves on to another.
    func transport(start: Int, attempt: Int) -> RPCClient {
        clients[index(start: start, attempt: attempt)]
    }

    /// The index ``transport(start:attempt:)`` picks.
    func index(start: Int, attempt: Int) -> Int {
        let count = clients.count
        guard count > 1 else { return 0 }
        let first = ((start &+ attempt &- 1) & Int.max) % count
        var best = first
        var bestReadiness = clients[first].readiness
        var offset = 1
        // Bounded by the endpoint count; stops at the first ready one.
        while bestReadiness != .ready, offset < count {
            let candidate = (first + offset) % count
            let readiness = clients[candidate].readiness
            if readiness < bestReadiness {
                best = candidate
                bestReadiness = readiness
            }
            offset += 1
        }
        return best
    }
}

extension Duration {
    /// Whole nanoseconds, saturating.
    var nanosecondsClamped: Int64 {
        let (seconds, attoseconds) = components
        let (ns, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        return overflow ? (seconds < 0 ? .min : .max) : ns &+ attoseconds / 1_000_000_000
    }
}

extension ClientTLS {
    init(_ settings: TLSSettings) {
        let caFile: String? = if case let .caFile(path) = settings.trust { path } else { nil }
        self.init(
            caFile: caFile, serverName: settings.serverName,
            certificateChainFile: settings.clientCertificate?.certificateFile,
            privateKeyFile: settings.clientCertificate?.keyFile)
    }
}
