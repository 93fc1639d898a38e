import ArgumentParser
import Logging
import NIOCore
import Prometheus
import SharewireOpsHTTP
import SharewireRPC
import SharewireServer
import SharingDomain

/// Transport flags: address, threads and the protocol limits of docs/PROTOCOL.md §10.
struct ServerOptions: ParsableArguments {
    @Option(help: "Address to listen on.")
    var host = "127.0.0.1"

    @Option(help: "TCP port to listen on (0 picks a free one).")
    var port = 7070

    // Optional, so the help prints "one per core" rather than this machine's count.
    @Option(name: .customLong("threads"), help: "Event-loop threads (default: one per core).")
    var threadCount: Int?

    /// The event-loop threads to run.
    var threads: Int { threadCount ?? System.coreCount }

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

    @Option(
        help:
            "Seconds a frame may take to arrive once its first byte has; a connection stalled inside a frame is then closed."
    )
    var frameTimeoutSeconds = 10

    private static let authDefaults = AuthFailureLimits()

    @Option(
        help:
            "Failed authentications one connection may make at once; the next one gets GOAWAY (UNAUTHENTICATED) and the connection closes."
    )
    var maxAuthFailuresPerConnection = authDefaults.connectionBurst

    @Option(help: "Seconds after which a connection is forgiven one failed authentication.")
    var authFailureForgiveSeconds = Int((1 / authDefaults.connectionRefillPerSecond).rounded())

    @Option(
        help:
            "Failed authentications one peer address (an IPv6 /64) may make at once across its connections; then calls on its connections that never authenticated are refused (RESOURCE_EXHAUSTED)."
    )
    var maxAuthFailuresPerAddress = authDefaults.peerBurst

    @Option(help: "Failed authentications per second a peer address earns back.")
    var authFailuresPerSecondPerAddress = Int(authDefaults.peerRefillPerSecond)

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be 0...65535") }
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1") }
        guard maxMessageSize >= 1024, maxMessageSize <= 64 * 1024 * 1024 else {
            throw ValidationError("--max-message-size must be 1 KiB...64 MiB")
        }
        for (name, value) in [
            ("--max-concurrent-calls-per-connection", maxConcurrentCallsPerConnection),
            ("--max-concurrent-calls", maxConcurrentCalls), ("--max-connections", maxConnections),
            ("--idle-timeout-seconds", idleTimeoutSeconds), ("--keepalive-seconds", keepaliveSeconds),
            ("--drain-grace-seconds", drainGraceSeconds),
            ("--frame-timeout-seconds", frameTimeoutSeconds),
            ("--max-auth-failures-per-connection", maxAuthFailuresPerConnection),
            ("--auth-failure-forgive-seconds", authFailureForgiveSeconds),
            ("--max-auth-failures-per-address", maxAuthFailuresPerAddress),
            ("--auth-failures-per-second-per-address", authFailuresPerSecondPerAddress),
        ] where value < 1 {
            throw ValidationError("\(name) must be at least 1")
        }
    }

    var configuration: ServerConfiguration {
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
        config.frameTimeout = .seconds(Int64(frameTimeoutSeconds))
        var auth = AuthFailureLimits()
        auth.connectionBurst = maxAuthFailuresPerConnection
        auth.connectionRefillPerSecond = 1 / Double(authFailureForgiveSeconds)
        auth.peerBurst = maxAuthFailuresPerAddress
        auth.peerRefillPerSecond = Double(authFailuresPerSecondPerAddress)
        config.authFailureLimits = auth
        return config
    }
}

/// Where state lives and who may create accounts.
struct StorageOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "Directory of the SQLite database; created if missing. The whole state is reloaded from it on start.",
            discussion:
                "sharewired refuses to start if it holds database files but no valid, writable database of a known schema version."
        ))
    var dataDir = "./sharewire-data"

    @Option(
        help: ArgumentHelp(
            "File holding the service key (at least 32 bytes; surrounding whitespace is trimmed).",
            discussion: "Takes precedence over the SHAREWIRE_SERVICE_KEY environment variable."))
    var serviceKeyFile: String?

    @Option(
        help: ArgumentHelp(
            "File holding the next service key during a rotation; accepted as well as the current one.",
            discussion:
                "Takes precedence over SHAREWIRE_NEXT_SERVICE_KEY; an empty file means no next key. SIGHUP rereads both files, so a rotation needs no restart (docs/SERVER.md, \"Rotating the service key\")."
        ))
    var nextServiceKeyFile: String?

    @Flag(
        help: ArgumentHelp(
            "Create the --service-key-file with a new random key (mode 0600) if it does not exist yet.",
            discussion: "For a first start (tools/run-server uses it); an existing file is used as it is."))
    var createServiceKey = false

    @Option(
        help:
            "Longest a read with min_revision waits for that revision, in milliseconds (the call's deadline may cut it shorter)."
    )
    var maxRevisionWaitMs = 10_000

    @Option(help: "Most writes committed in one SQLite transaction (group commit).")
    var maxWriteBatch = 512

    @Option(
        help: "Recently authenticated API keys remembered in memory so they are not hashed on every call; 0 disables.")
    var authCacheSize = 4096

    func validate() throws {
        guard (0...600_000).contains(maxRevisionWaitMs) else {
            throw ValidationError("--max-revision-wait-ms must be 0...600000")
        }
        guard (1...100_000).contains(maxWriteBatch) else {
            throw ValidationError("--max-write-batch must be 1...100000")
        }
        guard !dataDir.isEmpty else { throw ValidationError("--data-dir must not be empty") }
        if createServiceKey, serviceKeyFile == nil {
            throw ValidationError("--create-service-key needs --service-key-file (the file to create)")
        }
        guard (0...1 << 20).contains(authCacheSize) else {
            throw ValidationError("--auth-cache-size must be 0...1048576")
        }
    }
}

/// The domain's `Limits` (docs/DOMAIN.md §3), one flag each.
struct LimitOptions: ParsableArguments {
    private static let defaults = Limits()

    @Option(help: "Most devices x emails pairs in one Share or RemoveShares call.")
    var maxPairsPerBulk = defaults.maxPairsPerBulk
    @Option(help: "Most services in one PORTS share.")
    var maxPortsPerShare = defaults.maxPortsPerShare
    @Option(help: "Most services on one device.")
    var maxServicesPerDevice = defaults.maxServicesPerDevice
    @Option(help: "Longest device, service, first/last name and company, in UTF-8 bytes.")
    var maxNameLength = defaults.maxNameLength
    @Option(help: "Longest service protocol, in UTF-8 bytes.")
    var maxProtocolLength = defaults.maxProtocolLength
    @Option(help: "Largest page a list returns.")
    var maxPageSize = defaults.maxPageSize
    @Option(help: "Page size when a request gives 0.")
    var defaultPageSize = defaults.defaultPageSize
    @Option(help: "Most checks in one CheckBatch.")
    var maxChecksPerBatch = defaults.maxChecksPerBatch
    @Option(help: "Most devices in one CommonSharees, Leave or Transfer.")
    var maxDevicesPerCall = defaults.maxDevicesPerCall
    @Option(help: "Most contacts one account may have.")
    var maxContactsPerAccount = defaults.maxContactsPerAccount
    @Option(help: "Most devices one account may own.")
    var maxDevicesPerAccount = defaults.maxDevicesPerAccount
    @Option(help: "Most API keys one account may hold at once.")
    var maxAPIKeysPerAccount = defaults.maxAPIKeysPerAccount
    @Option(
        help: ArgumentHelp(
            "A second invite to a contact within this many seconds needs resend (0: no window).",
            valueName: "seconds"))
    var inviteResendWindowSeconds = defaults.inviteResendWindowSeconds
    @Option(
        help: ArgumentHelp(
            "How long a share invitation (require_acceptance) waits for acceptance before it lapses.",
            valueName: "seconds"))
    var invitationLifetimeSeconds = Int(defaults.invitationLifetimeMs / 1000)

    func validate() throws {
        for (name, value) in [
            ("--max-pairs-per-bulk", maxPairsPerBulk), ("--max-ports-per-share", maxPortsPerShare),
            ("--max-services-per-device", maxServicesPerDevice), ("--max-name-length", maxNameLength),
            ("--max-protocol-length", maxProtocolLength), ("--max-page-size", maxPageSize),
            ("--default-page-size", defaultPageSize), ("--max-checks-per-batch", maxChecksPerBatch),
            ("--max-devices-per-call", maxDevicesPerCall),
            ("--max-contacts-per-account", maxContactsPerAccount),
            ("--max-devices-per-account", maxDevicesPerAccount),
            ("--max-api-keys-per-account", maxAPIKeysPerAccount),
        ] where value < 1 {
            throw ValidationError("\(name) must be at least 1")
        }
        guard inviteResendWindowSeconds >= 0, inviteResendWindowSeconds <= 365 * 86_400 else {
            throw ValidationError("--invite-resend-window-seconds must be 0...31536000")
        }
        guard (60...365 * 86_400).contains(invitationLifetimeSeconds) else {
            throw ValidationError("--invitation-lifetime-seconds must be 60...31536000")
        }
        guard defaultPageSize <= maxPageSize else {
            throw ValidationError("--default-page-size must not exceed --max-page-size")
        }
    }

    var domainLimits: Limits {
        var l = Limits()
        l.maxPairsPerBulk = maxPairsPerBulk
        l.maxPortsPerShare = maxPortsPerShare
        l.maxServicesPerDevice = maxServicesPerDevice
        l.maxNameLength = maxNameLength
        l.maxProtocolLength = maxProtocolLength
        l.maxPageSize = maxPageSize
        l.defaultPageSize = defaultPageSize
        l.maxChecksPerBatch = maxChecksPerBatch
        l.maxDevicesPerCall = maxDevicesPerCall
        l.maxContactsPerAccount = maxContactsPerAccount
        l.maxDevicesPerAccount = maxDevicesPerAccount
        l.maxAPIKeysPerAccount = maxAPIKeysPerAccount
        l.inviteResendWindowSeconds = inviteResendWindowSeconds
        l.invitationLifetimeMs = Int64(invitationLifetimeSeconds) * 1000
        return l
    }
}

/// Logs and metrics.
struct ObservabilityOptions: ParsableArguments {
    enum LogFormat: String, ExpressibleByArgument, CaseIterable {
        case text, json
    }

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: Logger.Level = .info

    @Option(help: "Log lines as text (key=value metadata) or one JSON object per line.")
    var logFormat: LogFormat = .text

    @Option(
        help:
            "Serve HTTP on this port: Prometheus metrics (GET /metrics), liveness (/healthz) and readiness (/readyz); off unless given; 0 picks a free port."
    )
    var metricsPort: Int?

    @Option(
        help: "Address of the metrics endpoint. It has no authentication: keep it on loopback or a private network.")
    var metricsHost = "127.0.0.1"

    @Option(help: "Open connections to the metrics endpoint; one more is closed at once.")
    var metricsMaxConnections = 16

    @Option(help: "Seconds a metrics-endpoint connection may wait between requests.")
    var metricsIdleTimeoutSeconds = 60

    @Option(help: "Seconds a metrics-endpoint request (header and body) may take to arrive once its first byte has.")
    var metricsRequestTimeoutSeconds = 5

    func validate() throws {
        if let metricsPort, !(0...65535).contains(metricsPort) {
            throw ValidationError("--metrics-port must be 0...65535")
        }
        for (name, value) in [
            ("--metrics-max-connections", metricsMaxConnections),
            ("--metrics-idle-timeout-seconds", metricsIdleTimeoutSeconds),
            ("--metrics-request-timeout-seconds", metricsRequestTimeoutSeconds),
        ] where value < 1 {
            throw ValidationError("\(name) must be at least 1")
        }
    }

    func endpointConfiguration(port: Int) -> OpsEndpointConfiguration {
        var config = OpsEndpointConfiguration()
        config.host = metricsHost
        config.port = port
        config.maxConnections = metricsMaxConnections
        config.idleTimeout = .seconds(Int64(metricsIdleTimeoutSeconds))
        config.requestTimeout = .seconds(Int64(metricsRequestTimeoutSeconds))
        return config
    }

    func bootstrapLogging() {
        let level = logLevel
        let format = logFormat
        LoggingSystem.bootstrap { label in
            switch format {
            case .text:
                var handler = StreamLogHandler.standardError(label: label)
                handler.logLevel = level
                return handler
            case .json:
                var handler = JSONLogHandler(label: label)
                handler.logLevel = level
                return handler
            }
        }
    }

    /// Prometheus with buckets that fit this server: calls take microseconds,
    /// batches hold 1–512 writes.
    static func metricsFactory(registry: PrometheusCollectorRegistry) -> PrometheusMetricsFactory {
        var factory = PrometheusMetricsFactory(registry: registry)
        let latency: [Duration] = [
            .microseconds(50), .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1),
            .microseconds(2500), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50),
            .milliseconds(100), .milliseconds(250), .seconds(1), .seconds(5),
        ]
        factory.durationHistogramBuckets = [
            RPCMetrics.durationLabel: latency,
            CommitMetrics.durationLabel: latency,
        ]
        factory.valueHistogramBuckets = [CommitMetrics.batchWritesLabel: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512]]
        return factory
    }
}

/// TLS, mutual TLS and the trusted services (docs/SERVER.md, "TLS").
struct TLSOptions: ParsableArguments {
    @Option(
        name: .customLong("tls-cert"),
        help: ArgumentHelp(
            "PEM file with the server's certificate, then its intermediates. With --tls-key, every connection uses TLS 1.2 or 1.3 (ALPN sharewire/1).",
            valueName: "file"))
    var certificateFile: String?

    @Option(
        name: .customLong("tls-key"),
        help: ArgumentHelp(
            "PEM file with the certificate's private key (unencrypted).",
            valueName: "file"))
    var keyFile: String?

    @Option(
        name: .customLong("tls-client-ca"),
        help: ArgumentHelp(
            "PEM file of CA certificates: every client must present a certificate they signed (mutual TLS), or its handshake fails.",
            valueName: "file"))
    var clientCAFile: String?

    @Option(
        name: .customLong("trusted-service"),
        help: ArgumentHelp(
            "A client-certificate name (subject CN or DNS SAN) that acts as the service, like the service key, with no key. Repeatable; needs --tls-client-ca.",
            valueName: "name"))
    var trustedServices: [String] = []

    @Flag(help: "Allow plain TCP on an address other than loopback: API keys then cross the network unencrypted.")
    var insecurePlaintext = false

    @Option(
        help: ArgumentHelp(
            "How often to look for changed TLS and service-key files and reload them, in seconds (0: only on SIGHUP).",
            discussion:
                "A change is reloaded once the files have stayed the same for one more interval, so a certificate and its key written one after the other load together.",
            valueName: "seconds"))
    var reloadCheckSeconds = 10

    func validate() throws {
        switch (certificateFile, keyFile) {
        case (_?, nil): throw ValidationError("--tls-cert needs --tls-key")
        case (nil, _?): throw ValidationError("--tls-key needs --tls-cert")
        default: break
        }
        if clientCAFile != nil, certificateFile == nil {
            throw ValidationError("--tls-client-ca needs --tls-cert and --tls-key (mutual TLS is TLS)")
        }
        if !trustedServices.isEmpty, clientCAFile == nil {
            throw ValidationError(
                "--trusted-service needs --tls-client-ca (only verified client certificates are trusted)")
        }
        if trustedServices.contains(where: \.isEmpty) { throw ValidationError("--trusted-service must not be empty") }
        if insecurePlaintext, certificateFile != nil {
            throw ValidationError("--insecure-plaintext contradicts --tls-cert")
        }
        guard (0...86_400).contains(reloadCheckSeconds) else {
            throw ValidationError("--reload-check-seconds must be 0...86400")
        }
    }

    var serverTLS: ServerTLS? {
        guard let certificateFile, let keyFile else { return nil }
        return ServerTLS(certificateChainFile: certificateFile, privateKeyFile: keyFile, clientCAFile: clientCAFile)
    }

    /// Refuses plain TCP on an address other people can reach, unless asked for.
    func checkExposure(host: String) throws(StartupFailure) {
        guard certificateFile == nil, !insecurePlaintext, !Self.isLoopback(host) else { return }
        throw StartupFailure(
            message: "refusing to serve plain TCP on \(host), which is not a loopback address: "
                + "API keys would cross the network unencrypted. Serve TLS with --tls-cert FILE --tls-key FILE, "
                + "or pass --insecure-plaintext to accept that (e.g. behind a TLS-terminating proxy)")
    }

    /// `localhost`, `127.0.0.0/8` and `::1`.
    static func isLoopback(_ host: String) -> Bool {
        if host == "localhost" { return true }
        guard let address = try? SocketAddress(ipAddress: host, port: 0) else { return false }
        switch address.protocol {
        case .inet: return host.hasPrefix("127.")
        case .inet6: return address.ipAddress == "::1"
        default: return false
        }
    }
}
