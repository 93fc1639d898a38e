import ArgumentParser
import Foundation
import SharewireCLICore
import SharewireClient

/// `sharewire whoami`.
struct WhoamiCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "whoami", abstract: "The account your credentials act as.",
        discussion: example("SHAREWIRE_API_KEY=sw_… sharewire whoami"))
    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        try await connection.run(.account) { client, output in
            let account = try await client.whoami()
            output.emit(account) { Render.accounts([account]) }
        }
    }
}

/// `sharewire status [--wait SECONDS]`: is the server up? With several
/// addresses (a cluster), every instance.
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Ask the server, or every instance of a cluster, whether it is serving (needs no key).",
        discussion: """
            Prints each address with its status, the revision it answers reads at and, in a PostgreSQL \
            cluster, how long since its change feed last caught up. Exits 0 when every instance is \
            SERVING, else 10. With --wait, asks again (every 100 ms) until every instance answers \
            SERVING or the time is up: handy right after starting sharewired.

            \(example("sharewire status", "sharewire status --wait 10", "sharewire status --address 127.0.0.1:7070,127.0.0.1:7071"))
            """)
    @Option(help: ArgumentHelp("Keep asking for up to this many seconds.", valueName: "seconds")) var wait: String?
    @OptionGroup var connection: ConnectionOptions

    /// The JSON: the whole (every address; SERVING when every instance is),
    /// then each instance.
    struct Status: Encodable {
        var address: String
        var status: ServingStatus
        var instances: [Instance]
    }

    struct Instance: Encodable {
        var address: String
        var status: ServingStatus?
        var revision: Revision?
        var feedStalenessMs: UInt64?
        var error: String?

        init(_ instance: InstanceStatus) {
            address = instance.endpoint.description
            status = instance.status
            revision = instance.revision
            feedStalenessMs = instance.feedStalenessMilliseconds
            error = instance.error.map { "\($0.code): \($0.message)" }
        }

        /// `127.0.0.1:7070: SERVING at r42, feed 3 ms behind`.
        var line: String {
            guard let status else { return "\(address): unreachable (\(error ?? "no answer"))\n" }
            var text = "\(address): \(status)"
            if let revision { text += " at \(revision)" }
            if let feedStalenessMs { text += ", feed \(feedStalenessMs) ms behind" }
            return text + "\n"
        }
    }

    func validate() throws {
        if let wait {
            do { _ = try ArgumentSyntax.seconds(wait, option: "--wait") } catch { throw ValidationError(error.message) }
        }
    }

    func run() async throws {
        var serving = false
        try await connection.run(.none) { client, output in
            let clock = ContinuousClock()
            let end =
                clock.now
                + (try wait.map { text throws(CLIError) in try ArgumentSyntax.seconds(text, option: "--wait") } ?? .zero)
            var instances: [InstanceStatus] = []
            // Bounded by --wait: one round, then one every 100 ms until the end.
            while true {
                instances = await client.instances(timeout: .seconds(2))
                if instances.allSatisfy(\.isServing) || clock.now >= end { break }
                try await Task.sleep(for: .milliseconds(100))
            }
            // None answered: the error of the first, with its hint (is it running? TLS?).
            if instances.allSatisfy({ $0.status == nil }), let error = instances.first?.error { throw error }
            serving = instances.allSatisfy(\.isServing)
            let shown = instances.map(Instance.init)
            let whole = Status(
                address: shown.map(\.address).joined(separator: ","),
                status: serving ? .serving : (instances.first { !$0.isServing }?.status ?? .unknown),
                instances: shown)
            output.emit(whole) { shown.map(\.line).joined() }
        }
        if !serving { throw ExitCode(CLIExitCode.unavailable.rawValue) }
    }
}

/// `sharewire config show|path`.
struct ConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config", abstract: "Show the connection settings in effect and where each comes from.",
        discussion: """
            Each setting is taken from its flag, else its environment variable, else the config file \
            (key = "value" lines: address, api_key, service_key, service_key_file, act_as, timeout). Keys are \
            never printed in full.

            \(example("sharewire config show", "sharewire config set address db1.example.com:7070 --profile work",
                      "sharewire config path"))
            """,
        subcommands: [Show.self, Path.self, Set.self, Unset.self]
    )

    struct Set: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "set", abstract: "Set a key in the config file (in a profile with --profile).",
            discussion: """
                Other lines and comments are kept; the file is written with mode 0600. Keys: \
                \(ConfigFile.knownKeys.joined(separator: ", ")).

                \(example("sharewire config set address db1.example.com:7070 --profile work",
                          "sharewire config set timeout 30"))
                """)
        @Argument(help: ArgumentHelp("The key.", valueName: "key"), completion: .list(ConfigFile.knownKeys)) var key:
            String
        @Argument(help: ArgumentHelp("Its value.", valueName: "value")) var value: String
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            try await connection.run(.none, requireProfile: false) { _, _ in
                try ConfigCommand.edit(connection, key: key, value: value)
            }
        }
    }

    struct Unset: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "unset", abstract: "Remove a key from the config file (from a profile with --profile).",
            discussion: example("sharewire config unset api_key --profile work"))
        @Argument(help: ArgumentHelp("The key.", valueName: "key"), completion: .list(ConfigFile.knownKeys)) var key:
            String
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            try await connection.run(.none, requireProfile: false) { _, _ in
                try ConfigCommand.edit(connection, key: key, value: nil)
            }
        }
    }

    /// Sets or removes `key` in the config file's selected profile (or top level).
    static func edit(_ connection: ConnectionOptions, key: String, value: String?) throws {
        let location = try ConfigWriter.location(connection)
        let profile = connection.selectedProfile
        let before = try ConfigWriter.read(location)
        let after = try ConfigFile.editing(before, path: location, profile: profile, key: key, value: value)
        if after != before { try ConfigWriter.write(after, to: location) }
        let place = location + (profile.map { " (profile \($0))" } ?? "")
        let shown = key.hasSuffix("_key") && key != "service_key_file" ? value.map(ConnectionSettings.mask) : value
        FileHandle.standardOutput.write(
            Data(
                (value == nil
                    ? "removed \(key) from \(place)\n"
                    : "set \(key) = \(shown ?? "") in \(place)\n").utf8))
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "show", abstract: "Show the settings in effect (keys masked).",
            discussion: example("SHAREWIRE_ADDRESS=127.0.0.1:7171 sharewire config show"))
        @OptionGroup var connection: ConnectionOptions

        struct Setting: Encodable {
            var name: String
            var value: String?
            var source: String?
        }

        func run() async throws {
            try await connection.run(.none) { _, output in
                let settings = try connection.settings()
                let rows: [Setting] = [
                    Setting(name: "address", value: settings.address, source: settings.endpoints.source.description),
                    Setting(
                        name: "api_key", value: settings.apiKey.map { ConnectionSettings.mask($0.value) },
                        source: settings.apiKey?.source.description),
                    Setting(
                        name: "service_key", value: settings.serviceKey.map { ConnectionSettings.mask($0.value) },
                        source: settings.serviceKey?.source.description),
                    Setting(name: "act_as", value: settings.actAs?.value, source: settings.actAs?.source.description),
                    Setting(
                        name: "timeout", value: "\(settings.timeout.value.components.seconds)s",
                        source: settings.timeout.source.description),
                    Setting(
                        name: "tls", value: settings.tls.map { ConnectionSettings.describe($0.value) } ?? "off",
                        source: settings.tls?.source.description),
                    Setting(name: "config_file", value: settings.configPath, source: nil),
                    Setting(
                        name: "profile", value: connection.selectedProfile,
                        source: connection.profile != nil
                            ? "flag" : connection.selectedProfile != nil ? "environment" : nil),
                ]
                output.emit(rows) {
                    Table(
                        header: ["SETTING", "VALUE", "SOURCE"],
                        rows: rows.map { [$0.name, $0.value ?? "", $0.source ?? ""] }
                    ).render()
                }
            }
        }
    }

    struct Path: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "path", abstract: "Print the config file's path (whether or not it exists).",
            discussion: example("mkdir -p \"$(dirname \"$(sharewire config path)\")\""))
        @OptionGroup var connection: ConnectionOptions

        struct Location: Encodable {
            var path: String?
            var exists: Bool
        }

        func run() async throws {
            let location = ConfigLocation.resolve(
                flag: connection.config, environment: ProcessInfo.processInfo.environment)
            let exists = location.map { FileManager.default.fileExists(atPath: $0.path) } ?? false
            Output(json: connection.json).emit(Location(path: location?.path, exists: exists)) {
                (location?.path ?? "(no home directory)") + "\n"
            }
        }
    }
}
