import ArgumentParser
import Foundation
import SharewireCLICore
import SharewireClient

/// The options every command takes: where the server is, who to be, and
/// `--json`. Each setting is taken from the flag, else the environment, else
/// the config file (docs/CLI.md §Configuration).
struct ConnectionOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "Server address, host:port; several instances of a cluster comma-separated, a:7070,b:7070 (env SHAREWIRE_ADDRESS; default 127.0.0.1:7070).",
            valueName: "host:port[,…]"))
    var address: String?

    @Option(
        help: ArgumentHelp(
            "An account's API key, sw_… (env SHAREWIRE_API_KEY). Prefer the environment or the config file: flags show in `ps`.",
            valueName: "key"))
    var apiKey: String?

    @Option(help: ArgumentHelp("The operator's service key (env SHAREWIRE_SERVICE_KEY).", valueName: "key"))
    var serviceKey: String?

    @Option(
        help: ArgumentHelp(
            "A file holding the service key (env SHAREWIRE_SERVICE_KEY_FILE).",
            valueName: "path"))
    var serviceKeyFile: String?

    @Option(
        help: ArgumentHelp(
            "With the service key: the account to act for, acc_N or email (env SHAREWIRE_ACT_AS).",
            valueName: "account"))
    var actAs: String?

    @Flag(help: "Connect with TLS, trusting the system's CAs unless --tls-ca-file is given (env SHAREWIRE_TLS=true).")
    var tls = false

    @Option(
        help: ArgumentHelp(
            "PEM file of the CAs to trust; implies --tls (env SHAREWIRE_TLS_CA_FILE).", valueName: "path"))
    var tlsCAFile: String?

    @Option(
        help: ArgumentHelp(
            "The name the server's certificate must carry, if not the host of --address (env SHAREWIRE_TLS_SERVER_NAME).",
            valueName: "name"))
    var tlsServerName: String?

    @Option(
        name: .customLong("tls-cert"),
        help: ArgumentHelp(
            "PEM file of a client certificate, for servers that require one; with --tls-key; implies --tls (env SHAREWIRE_TLS_CERT_FILE).",
            valueName: "path"))
    var tlsCertFile: String?

    @Option(
        name: .customLong("tls-key"),
        help: ArgumentHelp(
            "PEM file of the client certificate's key (env SHAREWIRE_TLS_KEY_FILE).",
            valueName: "path"))
    var tlsKeyFile: String?

    @Option(
        help: ArgumentHelp(
            "The config file's profile to use: its [profiles.NAME] settings (env SHAREWIRE_PROFILE).",
            valueName: "name"))
    var profile: String?

    @Option(
        help: ArgumentHelp(
            "Config file (env SHAREWIRE_CONFIG; default $XDG_CONFIG_HOME/sharewire/config.toml or ~/.config/sharewire/config.toml).",
            valueName: "path"))
    var config: String?

    @Flag(name: .customLong("json"), help: "Print JSON instead of tables (docs/CLI.md §JSON); the same as -o json.")
    var jsonFlag = false

    @Option(
        name: [.customShort("o"), .long],
        help: ArgumentHelp(
            "Output format: table (default), wide (more columns), json, or name (one id per line).",
            valueName: "format"))
    var output: OutputFormat?

    /// JSON output, by `--json` or `-o json`.
    var json: Bool { jsonFlag || output == .json }

    @Flag(name: [.customShort("v"), .long], help: "Also print the revision each write committed at.")
    var verbose = false

    @Option(
        help: ArgumentHelp(
            "Reads reflect at least this revision (r12 or 12), e.g. one a write on another instance printed with -v; the server waits for it within the timeout (env SHAREWIRE_MIN_REVISION).",
            valueName: "revision"))
    var minRevision: String?

    /// `--min-revision`, else `$SHAREWIRE_MIN_REVISION`, else none (an empty
    /// variable is none).
    func minimumRevision() throws(CLIError) -> UInt64? {
        let environment = ProcessInfo.processInfo.environment[SettingsLayer.Variable.minRevision]
        guard let text = minRevision ?? environment.flatMap({ $0.isEmpty ? nil : $0 }) else { return nil }
        return try ArgumentSyntax.revision(text)
    }

    /// `--profile`, else `$SHAREWIRE_PROFILE`, else none.
    var selectedProfile: String? {
        profile ?? ProcessInfo.processInfo.environment[SettingsLayer.Variable.profile].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// Warnings about files holding keys that other users may read (the
    /// config file with a key in it, the service key file in use).
    func keyFileWarnings(_ settings: ConnectionSettings) -> [String] {
        var files: [(path: String, holds: String)] = []
        if let path = settings.configPath,
            settings.apiKey?.source == .configFile || settings.serviceKey?.source == .configFile
        {
            files.append((path, "a key"))
        }
        let environment = ProcessInfo.processInfo.environment
        if let path = serviceKeyFile ?? environment[SettingsLayer.Variable.serviceKeyFile] {
            files.append((path, "the service key"))
        }
        return files.compactMap { file in
            guard let attributes = try? FileManager.default.attributesOfItem(atPath: file.path),
                let mode = attributes[.posixPermissions] as? Int
            else { return nil }
            return KeyFilePermissions.warning(path: file.path, mode: UInt32(mode), holds: file.holds)
        }
    }

    /// The settings after precedence: flags > environment > config file.
    /// With `requireProfile` false (`login`, `config set`), a profile the
    /// file does not have yet reads as the settings outside every profile.
    func settings(requireProfile: Bool = true) throws(CLIError) -> ConnectionSettings {
        let environment = ProcessInfo.processInfo.environment
        var configLayer = SettingsLayer()
        var configPath: String?
        let profile = selectedProfile
        let location = ConfigLocation.resolve(flag: config, environment: environment)
        if let location {
            if FileManager.default.fileExists(atPath: location.path) {
                let text: String
                do {
                    text = try String(contentsOfFile: location.path, encoding: .utf8)
                } catch {
                    throw CLIError(
                        .config, "cannot read the config file \(location.path): \(FileErrors.describe(error))")
                }
                let file = try ConfigFile(parsing: text, path: location.path)
                let known = profile.map { file.profiles[$0] != nil } ?? true
                configLayer = SettingsLayer(
                    configValues: try file.values(
                        profile: known || requireProfile ? profile : nil,
                        path: location.path))
                configPath = location.path
            } else if location.explicit {
                throw CLIError(.config, "no config file at \(location.path)")
            }
        }
        if let profile, configPath == nil, requireProfile {
            throw CLIError(
                .config, "no profile '\(profile)': there is no config file\(location.map { " at \($0.path)" } ?? "")",
                hint: "create it with `sharewire login --profile \(profile)`")
        }
        let flags = SettingsLayer(
            address: address, apiKey: apiKey, serviceKey: serviceKey,
            serviceKeyFile: serviceKeyFile, actAs: actAs, tls: tls ? "true" : nil,
            tlsCAFile: tlsCAFile, tlsServerName: tlsServerName, tlsCertFile: tlsCertFile,
            tlsKeyFile: tlsKeyFile)
        return try ConnectionSettings.resolve(
            flags: flags, environment: SettingsLayer(environment: environment), config: configLayer,
            configPath: configPath, readFile: { try String(contentsOfFile: $0, encoding: .utf8) })
    }

    /// Runs `body` with a client for `principal`; any failure is printed
    /// (`error: …`, or JSON with `--json`) on stderr and becomes the
    /// documented exit code. Never a stack trace.
    func run(
        _ principal: ConnectionSettings.Principal, requireProfile: Bool = true,
        _ body: (SharewireClient, Output) async throws -> Void
    ) async throws {
        let output = Output(json: json, verbose: verbose, format: self.output ?? (json ? .json : .table))
        var endpoint: String?
        var credentials: Credentials?
        do {
            let settings = try settings(requireProfile: requireProfile)
            for warning in keyFileWarnings(settings) { FileHandle.standardError.write(Data((warning + "\n").utf8)) }
            endpoint = settings.address
            credentials = try settings.credentials(for: principal)
            let floor = try minimumRevision()
            let client = SharewireClient(configuration: settings.clientConfiguration(credentials: credentials ?? .none))
            defer { client.close() }
            // Read-your-writes across processes and instances: every read of
            // this command asks for at least that revision.
            if let floor { client.observe(Revision(floor)) }
            try await body(client, output)
        } catch let error as ExitCode {
            throw error
        } catch let error as SharewireError {
            throw output.fail(ErrorReport(error, endpoint: endpoint, credentials: credentials))
        } catch let error as CLIError {
            throw output.fail(ErrorReport(error))
        } catch {
            throw output.fail(ErrorReport(CLIError(.failure, "\(error)")))
        }
    }
}

extension ConnectionSettings {
    /// The client configuration for these settings and `credentials`; a call
    /// takes the timeout, connecting at most 5 s of it (or `connectTimeout`).
    func clientConfiguration(credentials: Credentials, connectTimeout: Duration = .seconds(5))
        -> SharewireClient.Configuration
    {
        var configuration = SharewireClient.Configuration(endpoints: endpoints.value, credentials: credentials)
        configuration.defaultTimeout = timeout.value
        configuration.connectTimeout = min(timeout.value, connectTimeout)
        configuration.agent = "sharewire-cli/0.1.0"
        configuration.tls = tls?.value
        return configuration
    }
}

/// `-o`: how results are printed.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable, Sendable {
    case table, wide, json, name
}

/// Writes results to stdout and failures to stderr, as text or JSON.
struct Output: Sendable {
    let json: Bool
    var verbose = false
    var format: OutputFormat = .table

    /// ` at r12` with `--verbose`, else nothing: revisions are jargon for most readers.
    func revisionSuffix(_ revision: Revision) -> String { verbose ? " at \(revision)" : "" }

    /// `committed at r12` on a line of its own with `--verbose`, else nothing:
    /// for writes that print the object they made (a table) rather than a sentence.
    func revisionLine(_ revision: Revision) -> String { verbose ? "committed at \(revision)\n" : "" }

    /// Prints `value` as JSON, or `human()` as text.
    func emit<T: Encodable>(_ value: T, human: () -> String) {
        write(json ? JSONOutput.document(value) : human())
    }

    /// Prints a listing: JSON, one name per line (`-o name`), the wide
    /// table (`-o wide`) or the table.
    func emit<T: Encodable>(_ values: [T], name: (T) -> String, wide: (() -> String)? = nil, table: () -> String) {
        switch format {
        case .json: write(JSONOutput.document(values))
        case .name: write(values.map { name($0) + "\n" }.joined())
        case .wide: write(wide?() ?? table())
        case .table: write(table())
        }
    }

    /// Prints a new API key, the only time it is shown: just the key with
    /// `keyOnly` (for scripts; not with --json), else `value` as JSON or
    /// `table()` followed by the key.
    func emitNewKey<T: Encodable>(_ value: T, apiKey: String, keyOnly: Bool, table: () -> String) {
        if keyOnly, !json {
            write(apiKey + "\n")
        } else {
            emit(value) { table() + "\napi key (shown only now): \(apiKey)\n" }
        }
    }

    /// Prints one line of a stream: compact JSON, or `human()`.
    func emitLine<T: Encodable>(_ value: T, human: () -> String) {
        write(json ? JSONOutput.line(value) : human())
    }

    /// Writes text to stdout now (no buffering, so streams show up at once).
    func write(_ text: String) {
        FileHandle.standardOutput.write(Data(text.utf8))
    }

    /// Prints the report on stderr and returns the exit to throw.
    func fail(_ report: ErrorReport) -> ExitCode {
        printReport(report)
        return ExitCode(report.exitCode)
    }

    /// Prints the report on stderr, as text or JSON.
    func printReport(_ report: ErrorReport) {
        FileHandle.standardError.write(Data((json ? report.jsonText() : report.humanText()).utf8))
    }
}

/// Device arguments: ids, or names looked up among the caller's devices.
func resolveDevices(_ references: [String], client: SharewireClient) async throws -> [String] {
    guard ArgumentSyntax.needsLookup(references) else { return try ArgumentSyntax.resolveDevices(references, in: []) }
    switch client.configuration.credentials {
    case .serviceKey(_, actingAs: nil), .clientCertificate(actingAs: nil):
        // The service itself owns no devices: a name means nothing to it.
        let name = references.first { !ArgumentSyntax.isID($0, kind: "dev") } ?? references[0]
        throw CLIError(
            .usage, "the device name '\(name)' cannot be resolved without an account: the service key owns no devices",
            hint: "give the device id (dev_N), or --act-as the owner's email to use names")
    default:
        break
    }
    let devices = try await client.devices(pageSize: 500).collect(limit: 100_000)
    return try ArgumentSyntax.resolveDevices(references, in: devices)
}

extension Language: ExpressibleByArgument {}

/// The `Example:` section every command's help ends with.
func example(_ lines: String...) -> String {
    "Example:\n" + lines.map { "  " + $0 }.joined(separator: "\n")
}
