import SharewireClient

/// Where a setting came from; a higher source wins.
public enum SettingSource: Int, Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Built in.
    case defaultValue = 0
    /// The config file.
    case configFile = 1
    /// An environment variable.
    case environment = 2
    /// A command-line flag.
    case flag = 3

    /// Orders by precedence.
    public static func < (lhs: SettingSource, rhs: SettingSource) -> Bool { lhs.rawValue < rhs.rawValue }

    /// `default`, `config file`, `environment` or `flag`.
    public var description: String {
        switch self {
        case .defaultValue: "default"
        case .configFile: "config file"
        case .environment: "environment"
        case .flag: "flag"
        }
    }
}

/// A value and where it came from.
public struct Sourced<Value: Sendable & Hashable>: Sendable, Hashable {
    /// The value.
    public var value: Value
    /// Its source.
    public var source: SettingSource

    /// A sourced value.
    public init(_ value: Value, _ source: SettingSource) {
        self.value = value
        self.source = source
    }
}

/// The connection settings one source gives; `nil` = not set there.
public struct SettingsLayer: Sendable, Hashable {
    /// `host:port`.
    public var address: String?
    /// An account's API key.
    public var apiKey: String?
    /// The operator's service key.
    public var serviceKey: String?
    /// A file holding the service key; wins over ``serviceKey`` of the same layer.
    public var serviceKeyFile: String?
    /// The account (`acc_N` or email) the service key acts for.
    public var actAs: String?
    /// Seconds a call may take.
    public var timeout: String?
    /// `true`/`false`: TLS on or off (a CA file or client certificate turns it on).
    public var tls: String?
    /// PEM file of the CAs to trust instead of the system's.
    public var tlsCAFile: String?
    /// The name the server's certificate must carry.
    public var tlsServerName: String?
    /// PEM file of the client certificate (mutual TLS).
    public var tlsCertFile: String?
    /// PEM file of the client certificate's key.
    public var tlsKeyFile: String?

    /// A layer; every argument defaults to unset.
    public init(
        address: String? = nil, apiKey: String? = nil, serviceKey: String? = nil,
        serviceKeyFile: String? = nil, actAs: String? = nil, timeout: String? = nil,
        tls: String? = nil, tlsCAFile: String? = nil, tlsServerName: String? = nil,
        tlsCertFile: String? = nil, tlsKeyFile: String? = nil
    ) {
        self.address = address
        self.apiKey = apiKey
        self.serviceKey = serviceKey
        self.serviceKeyFile = serviceKeyFile
        self.actAs = actAs
        self.timeout = timeout
        self.tls = tls
        self.tlsCAFile = tlsCAFile
        self.tlsServerName = tlsServerName
        self.tlsCertFile = tlsCertFile
        self.tlsKeyFile = tlsKeyFile
    }

    /// The environment variables the CLI reads.
    public enum Variable {
        /// `host:port`.
        public static let address = "SHAREWIRE_ADDRESS"
        /// An account's API key.
        public static let apiKey = "SHAREWIRE_API_KEY"
        /// The service key (the same variable `sharewired` reads).
        public static let serviceKey = "SHAREWIRE_SERVICE_KEY"
        /// A file holding the service key.
        public static let serviceKeyFile = "SHAREWIRE_SERVICE_KEY_FILE"
        /// The account the service key acts for.
        public static let actAs = "SHAREWIRE_ACT_AS"
        /// Call timeout in seconds.
        public static let timeout = "SHAREWIRE_TIMEOUT"
        /// The revision every read must reflect at least (`--min-revision`).
        public static let minRevision = "SHAREWIRE_MIN_REVISION"
        /// The config file to read instead of the default one.
        public static let config = "SHAREWIRE_CONFIG"
        /// The config file's profile to use.
        public static let profile = "SHAREWIRE_PROFILE"
        /// `true`/`false`: TLS on or off.
        public static let tls = "SHAREWIRE_TLS"
        /// PEM file of the CAs to trust.
        public static let tlsCAFile = "SHAREWIRE_TLS_CA_FILE"
        /// The name the server's certificate must carry.
        public static let tlsServerName = "SHAREWIRE_TLS_SERVER_NAME"
        /// PEM file of the client certificate.
        public static let tlsCertFile = "SHAREWIRE_TLS_CERT_FILE"
        /// PEM file of the client certificate's key.
        public static let tlsKeyFile = "SHAREWIRE_TLS_KEY_FILE"
    }

    /// The layer the environment gives (empty values count as unset).
    public init(environment: [String: String]) {
        func get(_ name: String) -> String? { environment[name].flatMap { $0.isEmpty ? nil : $0 } }
        self.init(
            address: get(Variable.address), apiKey: get(Variable.apiKey), serviceKey: get(Variable.serviceKey),
            serviceKeyFile: get(Variable.serviceKeyFile), actAs: get(Variable.actAs),
            timeout: get(Variable.timeout), tls: get(Variable.tls), tlsCAFile: get(Variable.tlsCAFile),
            tlsServerName: get(Variable.tlsServerName), tlsCertFile: get(Variable.tlsCertFile),
            tlsKeyFile: get(Variable.tlsKeyFile))
    }

    /// The layer a config file gives (outside every profile).
    public init(config: ConfigFile) {
        self.init(configValues: config.values)
    }

    /// The layer a config file's settings give, e.g. those of ``ConfigFile/values(profile:path:)``.
    public init(configValues values: [String: String]) {
        self.init(
            address: values["address"], apiKey: values["api_key"], serviceKey: values["service_key"],
            serviceKeyFile: values["service_key_file"], actAs: values["act_as"], timeout: values["timeout"],
            tls: values["tls"], tlsCAFile: values["tls_ca_file"], tlsServerName: values["tls_server_name"],
            tlsCertFile: values["tls_cert_file"], tlsKeyFile: values["tls_key_file"])
    }
}

/// The config file to read: `--config`, else `$SHAREWIRE_CONFIG`, else
/// `$XDG_CONFIG_HOME/sharewire/config.toml`, else `~/.config/sharewire/config.toml`.
public struct ConfigLocation: Sendable, Hashable {
    /// The path.
    public var path: String
    /// True when named explicitly (`--config` or `$SHAREWIRE_CONFIG`): then it must exist.
    public var explicit: Bool

    /// A location.
    public init(path: String, explicit: Bool) {
        self.path = path
        self.explicit = explicit
    }

    /// Where the config file is for this flag and environment; `nil` when
    /// there is no home directory to look in.
    public static func resolve(flag: String?, environment: [String: String]) -> ConfigLocation? {
        if let flag, !flag.isEmpty { return ConfigLocation(path: flag, explicit: true) }
        if let path = environment[SettingsLayer.Variable.config], !path.isEmpty {
            return ConfigLocation(path: path, explicit: true)
        }
        if let xdg = environment["XDG_CONFIG_HOME"], xdg.hasPrefix("/") {
            return ConfigLocation(path: xdg + "/sharewire/config.toml", explicit: false)
        }
        if let home = environment["HOME"], !home.isEmpty {
            return ConfigLocation(path: home + "/.config/sharewire/config.toml", explicit: false)
        }
        return nil
    }
}

/// The connection settings after precedence: flags > environment > config file > defaults.
public struct ConnectionSettings: Sendable, Hashable {
    /// The servers: one, or the instances of a cluster (`a:7070,b:7070`).
    public var endpoints: Sourced<[Endpoint]>
    /// An account's API key.
    public var apiKey: Sourced<String>?
    /// The service key.
    public var serviceKey: Sourced<String>?
    /// The account the service key acts for.
    public var actAs: Sourced<String>?
    /// The deadline of each call.
    public var timeout: Sourced<Duration>
    /// TLS, if on; its source is the highest source of any TLS setting.
    public var tls: Sourced<TLSSettings>?
    /// The config file that was read, if any.
    public var configPath: String?

    /// Settings as given (tests; commands use ``resolve(flags:environment:config:configPath:readFile:)``).
    public init(
        endpoints: Sourced<[Endpoint]>, apiKey: Sourced<String>?, serviceKey: Sourced<String>?,
        actAs: Sourced<String>?, timeout: Sourced<Duration>, tls: Sourced<TLSSettings>? = nil,
        configPath: String?
    ) {
        self.endpoints = endpoints
        self.apiKey = apiKey
        self.serviceKey = serviceKey
        self.actAs = actAs
        self.timeout = timeout
        self.tls = tls
        self.configPath = configPath
    }

    /// The addresses as given, `a:7070,b:7070`.
    public var address: String { endpoints.value.map(\.description).joined(separator: ",") }

    /// The default per-call timeout: 10 s.
    public static let defaultTimeout = Duration.seconds(10)

    /// Applies precedence per setting: the highest layer that sets it wins.
    /// A service key file is read with `readFile` (trimmed); within one layer
    /// it wins over a literal service key, as with `sharewired`.
    /// - Throws: ``CLIError`` `.config` for a bad address, timeout or unreadable key file.
    public static func resolve(
        flags: SettingsLayer, environment: SettingsLayer, config: SettingsLayer,
        configPath: String? = nil,
        readFile: (String) throws -> String
    ) throws(CLIError) -> ConnectionSettings {
        let layers: [(SettingsLayer, SettingSource)] = [
            (flags, .flag), (environment, .environment),
            (config, .configFile),
        ]
        func pick(_ keyPath: KeyPath<SettingsLayer, String?>) -> Sourced<String>? {
            for (layer, source) in layers { if let value = layer[keyPath: keyPath] { return Sourced(value, source) } }
            return nil
        }
        func name(_ source: SettingSource, flag: String, variable: String, key: String) -> String {
            switch source {
            case .flag: flag
            case .environment: variable
            case .configFile: "\(key) in \(configPath ?? "the config file")"
            case .defaultValue: "default"
            }
        }

        var endpoints = Sourced([Endpoint.localDefault], .defaultValue)
        if let address = pick(\.address) {
            let from = name(address.source, flag: "--address", variable: SettingsLayer.Variable.address, key: "address")
            let parsed: [Endpoint]
            do {
                parsed = try Endpoint.list(address.value)
            } catch {
                throw CLIError(.config, "not host:port: '\(error.text)' (from \(from))")
            }
            guard !parsed.isEmpty else { throw CLIError(.config, "no address in '\(address.value)' (from \(from))") }
            endpoints = Sourced(parsed, address.source)
        }

        var timeout = Sourced(defaultTimeout, .defaultValue)
        if let text = pick(\.timeout) {
            guard let seconds = Double(text.value), seconds > 0, seconds <= 86_400 else {
                throw CLIError(
                    .config,
                    "timeout must be seconds between 0 and 86400, not '\(text.value)' (from \(name(text.source, flag: "--timeout", variable: SettingsLayer.Variable.timeout, key: "timeout")))"
                )
            }
            timeout = Sourced(.milliseconds(Int64(seconds * 1000)), text.source)
        }

        var serviceKey: Sourced<String>?
        for (layer, source) in layers {
            if let file = layer.serviceKeyFile {
                let text: String
                do {
                    text = try readFile(file)
                } catch {
                    throw CLIError(
                        .config,
                        "cannot read the service key file '\(file)' (from \(name(source, flag: "--service-key-file", variable: SettingsLayer.Variable.serviceKeyFile, key: "service_key_file"))): \(FileErrors.describe(error))"
                    )
                }
                let key = text.trimmingWhitespaceAndNewlines()
                guard !key.isEmpty else { throw CLIError(.config, "the service key file '\(file)' is empty") }
                serviceKey = Sourced(key, source)
                break
            }
            if let key = layer.serviceKey {
                serviceKey = Sourced(key, source)
                break
            }
        }

        // Each TLS setting by precedence on its own, like every other setting.
        let tlsParts = [pick(\.tls), pick(\.tlsCAFile), pick(\.tlsServerName), pick(\.tlsCertFile), pick(\.tlsKeyFile)]
        var tls: Sourced<TLSSettings>?
        do {
            let enabled = tlsParts[0]
            if let settings = try TLSSettings(
                enabled: enabled?.value,
                enabledName: enabled.map {
                    name($0.source, flag: "--tls", variable: SettingsLayer.Variable.tls, key: "tls")
                } ?? "tls",
                caFile: tlsParts[1]?.value, serverName: tlsParts[2]?.value,
                certificateFile: tlsParts[3]?.value, keyFile: tlsParts[4]?.value)
            {
                tls = Sourced(settings, tlsParts.compactMap { $0?.source }.max() ?? .defaultValue)
            }
        } catch {
            throw CLIError(
                .config, error.message,
                hint: "TLS settings: --tls, --tls-ca-file, --tls-server-name, --tls-cert with --tls-key (docs/CLI.md)")
        }

        return ConnectionSettings(
            endpoints: endpoints, apiKey: pick(\.apiKey), serviceKey: serviceKey,
            actAs: pick(\.actAs), timeout: timeout, tls: tls, configPath: configPath)
    }

    /// What a command needs to call the server as.
    public enum Principal: Sendable, Hashable {
        /// An account: its API key, or the service key acting for it.
        case account
        /// The service key itself (admin, notifications).
        case service
        /// An account if one is configured, else the service key itself (check).
        case accountOrService
        /// No credentials (status, config).
        case none
    }

    /// The credentials for `principal`.
    ///
    /// For an account, an API key and an act-as may both be set: the one
    /// from the higher source wins; on a tie, act-as (the more deliberate choice).
    /// - Throws: ``CLIError`` `.config` when the needed key is not configured.
    public func credentials(for principal: Principal) throws(CLIError) -> Credentials {
        switch principal {
        case .none:
            return .none
        case .service:
            if let serviceKey { return .serviceKey(serviceKey.value) }
            if hasClientCertificate { return .clientCertificate() }
            throw Self.noServiceKey
        case .account:
            return try accountCredentials()
        case .accountOrService:
            if apiKey == nil, actAs == nil {
                if let serviceKey { return .serviceKey(serviceKey.value) }
                if hasClientCertificate { return .clientCertificate() }
            }
            return try accountCredentials()
        }
    }

    /// A client certificate is configured: a trusted service's certificate
    /// stands in for the service key (mutual TLS, docs/SERVER.md).
    private var hasClientCertificate: Bool { tls?.value.clientCertificate != nil }

    private func accountCredentials() throws(CLIError) -> Credentials {
        switch (apiKey, actAs) {
        case (nil, nil):
            throw CLIError(
                .config, "no account credentials",
                hint:
                    "set --api-key or \(SettingsLayer.Variable.apiKey) (an account's sw_… key), or --act-as EMAIL with the service key"
            )
        case let (apiKey?, nil):
            return .apiKey(apiKey.value)
        case let (apiKey, actAs?):
            if let apiKey, apiKey.source > actAs.source { return .apiKey(apiKey.value) }
            if serviceKey == nil, hasClientCertificate { return .clientCertificate(actingAs: actAs.value) }
            guard let serviceKey else {
                throw CLIError(.config, "--act-as \(actAs.value) needs the service key", hint: Self.noServiceKey.hint)
            }
            return .serviceKey(serviceKey.value, actingAs: actAs.value)
        }
    }

    private static let noServiceKey = CLIError(
        .config, "no service key",
        hint:
            "set \(SettingsLayer.Variable.serviceKey), --service-key-file PATH, or service_key_file in the config file (or a trusted client certificate: --tls-cert and --tls-key)"
    )

    /// `on (CA /etc/ca.pem, client certificate svc.pem)`: what `config show` prints.
    public static func describe(_ tls: TLSSettings) -> String {
        var parts: [String] = []
        if case let .caFile(path) = tls.trust { parts.append("CA \(path)") } else { parts.append("system CAs") }
        if let name = tls.serverName { parts.append("server name \(name)") }
        if let certificate = tls.clientCertificate { parts.append("client certificate \(certificate.certificateFile)") }
        return "on (\(parts.joined(separator: ", ")))"
    }

    /// `sw_1a2b…` (the first 6 characters, then an ellipsis): enough to tell
    /// keys apart, never enough to use one.
    public static func mask(_ key: String) -> String {
        key.count <= 8 ? "…" : String(key.prefix(6)) + "…"
    }
}

extension StringProtocol {
    /// Without leading and trailing whitespace and newlines.
    func trimmingWhitespaceAndNewlines() -> String {
        let isSpace: (Character) -> Bool = { $0.isWhitespace || $0.isNewline }
        guard let first = firstIndex(where: { !isSpace($0) }) else { return "" }
        let last = lastIndex(where: { !isSpace($0) })!
        return String(self[first...last])
    }
}
