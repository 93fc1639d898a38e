/// Where a `sharewired` listens.
public struct Endpoint: Sendable, Hashable, Codable, LosslessStringConvertible {
    /// Host name or IP address.
    public var host: String
    /// TCP port.
    public var port: Int

    /// An endpoint at `host:port`.
    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// Parses `host:port` (`[v6]:port` for IPv6), e.g. `127.0.0.1:7070`;
    /// nil if malformed.
    public init?(_ description: String) {
        guard let colon = description.lastIndex(of: ":"),
            let port = Int(description[description.index(after: colon)...]), (1...65535).contains(port)
        else { return nil }
        var host = String(description[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty else { return nil }
        self.init(host: host, port: port)
    }

    /// `host:port`.
    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }

    /// `127.0.0.1:7070`, where `tools/run-server` listens.
    public static let localDefault = Endpoint(host: "127.0.0.1", port: 7070)

    /// Parses a comma-separated list, `a:7070,b:7070` (the instances of a
    /// cluster): whitespace around items is ignored, as are empty items and
    /// repeats of an earlier one.
    /// - Throws: ``InvalidEndpoint`` naming the first item that is not `host:port`.
    public static func list(_ text: some StringProtocol) throws(InvalidEndpoint) -> [Endpoint] {
        var endpoints: [Endpoint] = []
        for item in text.split(separator: ",") {
            let trimmed = String(item.filter { !$0.isWhitespace })
            if trimmed.isEmpty { continue }
            guard let endpoint = Endpoint(trimmed) else { throw InvalidEndpoint(text: trimmed) }
            if !endpoints.contains(endpoint) { endpoints.append(endpoint) }
        }
        return endpoints
    }

    /// An item of an endpoint list that is not `host:port`.
    public struct InvalidEndpoint: Error, Sendable, Hashable {
        /// The item as written.
        public var text: String
    }
}

/// Who the client is. Sent as metadata with every call (docs/SERVER.md §2).
public enum Credentials: Sendable, Hashable, CustomStringConvertible {
    /// An account's API key (`sw_…`): every call acts as that account.
    case apiKey(String)
    /// The operator's service key. With `actingAs` (an account id `acc_N` or
    /// an email) every call acts for that account; without it the key may
    /// create accounts, use the notification outbox and Check anyone.
    case serviceKey(String, actingAs: String? = nil)
    /// No key: a client certificate the server trusts as a service (mutual
    /// TLS, ``TLSSettings/clientCertificate``) acts as the service itself,
    /// or with `actingAs` for that account, like ``serviceKey(_:actingAs:)``.
    case clientCertificate(actingAs: String? = nil)
    /// No credentials (only Health answers).
    case none

    /// Names the kind of credential; never prints a key.
    public var description: String {
        switch self {
        case .apiKey: "API key"
        case let .serviceKey(_, actingAs?): "service key acting as \(actingAs)"
        case .serviceKey: "service key"
        case let .clientCertificate(actingAs?): "client certificate acting as \(actingAs)"
        case .clientCertificate: "client certificate"
        case .none: "no credentials"
        }
    }
}

/// How fresh a read must be (docs/CLIENT.md §Consistency).
public enum ReadConsistency: Sendable, Hashable, Codable {
    /// The read reflects at least every write this client (or a client
    /// derived from it with ``SharewireClient/acting(as:)``) has seen
    /// acknowledged, and every revision it has read: it never goes back in
    /// time. The default. Costs nothing on a single server, which publishes a
    /// write before acknowledging it.
    case readYourWrites
    /// Whatever the server has now; no `min_revision` is sent.
    case minimizeLatency
    /// At least this revision, e.g. one another service passed along after a
    /// revoke (a "zookie"). The server waits for it, within the deadline.
    case atLeast(Revision)
}

/// Per-call overrides of the client's configuration.
///
/// ```swift
/// try await client.check(user: "acc_2", device: "dev_1", port: 22,
///                        options: .init(timeout: .milliseconds(200)))
/// ```
public struct CallOptions: Sendable, Hashable {
    /// The deadline for the whole call, retries included; `nil` uses
    /// ``SharewireClient/Configuration/defaultTimeout``.
    public var timeout: Duration?
    /// How fresh a read must be; `nil` uses the configuration's. Ignored by writes.
    public var consistency: ReadConsistency?
    /// The retry policy for this call; `nil` uses the configuration's.
    public var retry: RetryPolicy?

    /// Options overriding only what is given.
    public init(timeout: Duration? = nil, consistency: ReadConsistency? = nil, retry: RetryPolicy? = nil) {
        self.timeout = timeout
        self.consistency = consistency
        self.retry = retry
    }

    /// No override.
    public static let `default` = CallOptions()

    /// Only a deadline.
    public static func timeout(_ timeout: Duration) -> CallOptions { CallOptions(timeout: timeout) }

    /// Only a consistency level.
    public static func consistency(_ consistency: ReadConsistency) -> CallOptions {
        CallOptions(consistency: consistency)
    }
}

extension SharewireClient {
    /// Everything a ``SharewireClient`` needs: where to connect, who it is,
    /// and its defaults for deadlines, retries, consistency and connections.
    public struct Configuration: Sendable {
        /// The servers to call. Calls start round-robin over them and a retry
        /// moves to the next one. Empty means ``Endpoint/localDefault``.
        public var endpoints: [Endpoint]
        /// Sent with every call.
        public var credentials: Credentials
        /// Deadline of every unary call that does not pass its own (covers
        /// all its attempts); `nil` means none. Default 10 s. Streams
        /// (``SharewireClient/watchNotifications(from:options:)``) have no
        /// deadline unless their options give one.
        public var defaultTimeout: Duration? = .seconds(10)
        /// Connections per endpoint; calls are multiplexed over them. Default 1.
        public var connectionsPerEndpoint: Int = 1
        /// Longest a connection attempt (TCP and handshake) may take. Default 5 s.
        public var connectTimeout: Duration = .seconds(5)
        /// PING a silent connection every `interval`, close it if the PONG
        /// takes longer than `timeout`; `nil` disables keepalive. Default 30 s / 10 s.
        public var keepalive: Keepalive? = Keepalive()
        /// Which failures are retried, how often and with which backoff.
        public var retry: RetryPolicy = .default
        /// The client-wide retry budget; `nil` disables throttling.
        public var retryThrottling: RetryThrottling? = RetryThrottling()
        /// Default freshness of reads. Default ``ReadConsistency/readYourWrites``.
        public var consistency: ReadConsistency = .readYourWrites
        /// Largest response message accepted, in bytes. Default 4 MiB.
        public var maxResponseSize: Int = 4 * 1024 * 1024
        /// Reported to the server in HELLO.
        public var agent: String = "sharewire-client/0.1.0"
        /// TLS on every connection; nil (the default) connects in plaintext.
        public var tls: TLSSettings?

        /// A configuration for one endpoint.
        public init(endpoint: Endpoint = .localDefault, credentials: Credentials) {
            self.init(endpoints: [endpoint], credentials: credentials)
        }

        /// A configuration for several endpoints (at least one).
        public init(endpoints: [Endpoint], credentials: Credentials) {
            self.endpoints = endpoints
            self.credentials = credentials
        }

        /// The environment variables ``init(environment:)`` reads.
        public enum EnvironmentKey {
            /// `host:port`, or several separated by commas. Default `127.0.0.1:7070`.
            public static let address = "SHAREWIRE_ADDRESS"
            /// An account's API key (`sw_…`); wins over the service key.
            public static let apiKey = "SHAREWIRE_API_KEY"
            /// The operator's service key.
            public static let serviceKey = "SHAREWIRE_SERVICE_KEY"
            /// With the service key: the account (`acc_N` or email) to act for.
            public static let actAs = "SHAREWIRE_ACT_AS"
            /// `1`/`true` turns TLS on (trusting the system's CAs); a CA or
            /// client certificate file below turns it on too.
            public static let tls = "SHAREWIRE_TLS"
            /// PEM file of the CAs to trust instead of the system's.
            public static let tlsCAFile = "SHAREWIRE_TLS_CA_FILE"
            /// The name the server's certificate must carry (and SNI).
            public static let tlsServerName = "SHAREWIRE_TLS_SERVER_NAME"
            /// PEM file of the client certificate (mutual TLS).
            public static let tlsCertFile = "SHAREWIRE_TLS_CERT_FILE"
            /// PEM file of the client certificate's key.
            public static let tlsKeyFile = "SHAREWIRE_TLS_KEY_FILE"
        }

        /// A configuration from environment variables (``EnvironmentKey``):
        /// the endpoints from `SHAREWIRE_ADDRESS`, and `SHAREWIRE_API_KEY`, or
        /// `SHAREWIRE_SERVICE_KEY` with an optional `SHAREWIRE_ACT_AS`; no key
        /// gives ``Credentials/none``.
        ///
        /// ```swift
        /// let client = SharewireClient(configuration: try .init(environment: ProcessInfo.processInfo.environment))
        /// ```
        /// - Throws: INVALID_ARGUMENT naming the variable when an address is not `host:port`.
        public init(environment: [String: String]) throws(SharewireError) {
            let endpoints: [Endpoint]
            do {
                endpoints = try Endpoint.list(environment[EnvironmentKey.address] ?? "")
            } catch {
                throw SharewireError.local(
                    .invalidArgument, "\(EnvironmentKey.address): not host:port: \(error.text)",
                    reason: .invalidArgument, field: EnvironmentKey.address, subject: error.text)
            }
            let nonEmpty = { (key: String) in environment[key].flatMap { $0.isEmpty ? nil : $0 } }
            let tls = try TLSSettings(
                enabled: nonEmpty(EnvironmentKey.tls), enabledName: EnvironmentKey.tls,
                caFile: nonEmpty(EnvironmentKey.tlsCAFile), serverName: nonEmpty(EnvironmentKey.tlsServerName),
                certificateFile: nonEmpty(EnvironmentKey.tlsCertFile), keyFile: nonEmpty(EnvironmentKey.tlsKeyFile))
            let credentials: Credentials =
                if let key = nonEmpty(EnvironmentKey.apiKey) {
                    .apiKey(key)
                } else if let key = nonEmpty(EnvironmentKey.serviceKey) {
                    .serviceKey(key, actingAs: nonEmpty(EnvironmentKey.actAs))
                } else if tls?.clientCertificate != nil {
                    .clientCertificate(actingAs: nonEmpty(EnvironmentKey.actAs))
                } else {
                    .none
                }
            self.init(endpoints: endpoints.isEmpty ? [.localDefault] : endpoints, credentials: credentials)
            self.tls = tls
        }
    }

    /// Client keepalive (docs/PROTOCOL.md §11).
    public struct Keepalive: Sendable, Hashable {
        /// How long a connection may be silent before the client PINGs it.
        /// The server may require a longer interval (its `min_ping_interval`).
        public var interval: Duration
        /// How long to wait for the PONG before closing the connection.
        public var timeout: Duration

        /// Defaults: PING after 30 s of silence, give up after 10 s.
        public init(interval: Duration = .seconds(30), timeout: Duration = .seconds(10)) {
            self.interval = interval
            self.timeout = timeout
        }
    }
}

/// TLS for a client's connections (docs/CLIENT.md §TLS): whom to trust, the
/// name to verify, and an optional client certificate for mutual TLS.
///
/// ```swift
/// var configuration = SharewireClient.Configuration(endpoint: Endpoint("sharewire.internal:7070")!,
///                                                   credentials: .clientCertificate(actingAs: "alice@example.com"))
/// configuration.tls = TLSSettings(trust: .caFile("/etc/sharewire/ca.pem"),
///                                 clientCertificate: .init(certificateFile: "billing.pem", keyFile: "billing.key"))
/// ```
public struct TLSSettings: Sendable, Hashable {
    /// Which CAs may sign the server's certificate.
    public enum Trust: Sendable, Hashable {
        /// The system's trust store.
        case system
        /// The CA certificates in this PEM file, and no others.
        case caFile(String)
    }

    /// A certificate and key the client presents (mutual TLS).
    public struct ClientCertificate: Sendable, Hashable {
        /// PEM file: the certificate, then any intermediates.
        public var certificateFile: String
        /// PEM file: its private key, unencrypted.
        public var keyFile: String

        public init(certificateFile: String, keyFile: String) {
            self.certificateFile = certificateFile
            self.keyFile = keyFile
        }
    }

    /// Default: the system's trust store.
    public var trust: Trust
    /// The name the server's certificate must carry, also sent as SNI; nil
    /// uses the endpoint's host (an IP address is checked against the
    /// certificate's IP addresses).
    public var serverName: String?
    /// Presented when the server asks for one; nil presents none.
    public var clientCertificate: ClientCertificate?

    public init(trust: Trust = .system, serverName: String? = nil, clientCertificate: ClientCertificate? = nil) {
        self.trust = trust
        self.serverName = serverName
        self.clientCertificate = clientCertificate
    }

    /// TLS settings from separate values (environment variables, a config
    /// file, flags); nil when none turns TLS on. `enabled` is `1`/`true`/`yes`
    /// or `0`/`false`/`no`; a CA file or a client certificate implies TLS.
    /// - Throws: INVALID_ARGUMENT naming `enabledName` for another `enabled`
    ///   value, or the certificate or key given without the other.
    public init?(
        enabled: String?, enabledName: String, caFile: String?, serverName: String?,
        certificateFile: String?, keyFile: String?
    ) throws(SharewireError) {
        var on = caFile != nil || certificateFile != nil || keyFile != nil || serverName != nil
        if let enabled {
            switch enabled.lowercased() {
            case "1", "true", "yes", "on": on = true
            case "0", "false", "no", "off": on = false
            default:
                throw SharewireError.local(
                    .invalidArgument, "\(enabledName): expected true or false, not '\(enabled)'",
                    reason: .invalidArgument, field: enabledName, subject: enabled)
            }
        }
        guard on else { return nil }
        var certificate: ClientCertificate?
        switch (certificateFile, keyFile) {
        case let (cert?, key?): certificate = ClientCertificate(certificateFile: cert, keyFile: key)
        case (nil, nil): certificate = nil
        case (_?, nil), (nil, _?):
            throw SharewireError.local(
                .invalidArgument, "a TLS client certificate and its key file go together: set both",
                reason: .invalidArgument, field: certificateFile == nil ? "certificate" : "key")
        }
        self.init(trust: caFile.map { .caFile($0) } ?? .system, serverName: serverName, clientCertificate: certificate)
    }
}
