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
        let credentials: Credentials = switch configuration.credentials {
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

    /// Opens the connections now, so the first call does not pay for the handshake.
    /// - Throws: ``SharewireError`` UNAVAILABLE when an endpoint cannot be reached.
    public func connect() async throws(SharewireError) {
        for transport in transports.clients {
            do {
                try await transport.connect()
            } catch {
                throw SharewireError(error)
            }
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

    /// The transport for attempt `attempt` (1-based) of a call that started at `start`.
    func transport(start: Int, attempt: Int) -> RPCClient {
        clients[((start &+ attempt &- 1) & Int.max) % clients.count]
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
        self.init(caFile: caFile, serverName: settings.serverName,
                  certificateChainFile: settings.clientCertificate?.certificateFile,
                  privateKeyFile: settings.clientCertificate?.keyFile)
    }
}
