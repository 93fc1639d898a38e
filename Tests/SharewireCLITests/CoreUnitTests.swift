import Foundation
import SharewireCLICore
import SharewireClient
import Testing

@Suite("Config file")
struct ConfigFileTests {
    @Test func parsesQuotedBareCommentsAndEscapes() throws {
        let config = try ConfigFile(
            parsing: """
                # a comment

                address = "127.0.0.1:7171"   # trailing comment
                  api_key="sw_abc"
                timeout = 5
                act_as = "say \\"hi\\" \\\\ there"
                """)
        #expect(
            config.values == [
                "address": "127.0.0.1:7171", "api_key": "sw_abc", "timeout": "5",
                "act_as": "say \"hi\" \\ there",
            ])
    }

    @Test(arguments: [
        ("adress = \"x\"", "1: unknown key 'adress'"),
        ("address", "1: expected key = \"value\""),
        ("\naddress = \"a\"\naddress = \"b\"", "3: 'address' is set twice"),
        ("address = \"open", "1: missing closing quote"),
        ("address = \"a\" b", "1: unexpected text after the closing quote"),
        ("address = a b", "1: a value with spaces or quotes must be in double quotes"),
        ("address =", "1: missing value"),
        ("address = \"\\q\"", "1: unknown escape \\q"),
    ])
    func rejectsWithLineNumber(text: String, expected: String) {
        #expect {
            try ConfigFile(parsing: text, path: "cfg")
        } throws: { error in
            guard let error = error as? CLIError else { return false }
            return error.exitCode == .config && error.message.hasPrefix("cfg:" + expected)
        }
    }

    @Test func renderedTextParsesBack() throws {
        let config = ConfigFile(values: ["address": "h:1", "act_as": "a \"b\" \\ c\nd"])
        #expect(try ConfigFile(parsing: config.rendered()) == config)
    }
}

@Suite("Connection settings")
struct ConnectionSettingsTests {
    let noFile: (String) throws -> String = { _ in throw CLIError(.config, "no file") }

    @Test func flagsBeatEnvironmentBeatConfigFile() throws {
        let config = SettingsLayer(address: "10.0.0.1:1", apiKey: "sw_config", actAs: "config@x", timeout: "3")
        let environment = SettingsLayer(address: "127.0.0.1:2", apiKey: "sw_env")
        let flags = SettingsLayer(address: "127.0.0.1:3")
        let settings = try ConnectionSettings.resolve(
            flags: flags, environment: environment, config: config,
            readFile: noFile)
        #expect(settings.endpoints == Sourced([Endpoint(host: "127.0.0.1", port: 3)], .flag))
        #expect(settings.apiKey == Sourced("sw_env", .environment))
        #expect(settings.actAs == Sourced("config@x", .configFile))
        #expect(settings.timeout == Sourced(.seconds(3), .configFile))
        #expect(settings.serviceKey == nil)
    }

    /// The instances of a cluster: a comma-separated list from the flag, the
    /// environment or the config file (also as a TOML array there).
    @Test func severalAddressesFromEveryLayer() throws {
        let two = [Endpoint(host: "127.0.0.1", port: 7070), Endpoint(host: "db2.example", port: 7071)]
        for (layer, source) in [(SettingsLayer(address: "127.0.0.1:7070, db2.example:7071"), SettingSource.flag)] {
            let settings = try ConnectionSettings.resolve(
                flags: layer, environment: .init(), config: .init(), readFile: noFile)
            #expect(settings.endpoints == Sourced(two, source))
            #expect(settings.address == "127.0.0.1:7070,db2.example:7071")
        }
        let environment = SettingsLayer(environment: [
            "SHAREWIRE_ADDRESS": "127.0.0.1:7070,db2.example:7071,127.0.0.1:7070"
        ])
        #expect(
            try ConnectionSettings.resolve(flags: .init(), environment: environment, config: .init(), readFile: noFile)
                .endpoints == Sourced(two, .environment))
        for line in [
            "address = \"127.0.0.1:7070,db2.example:7071\"",
            "address = [\"127.0.0.1:7070\", \"db2.example:7071\"]  # the cluster",
            "address = [ \"127.0.0.1:7070\",\"db2.example:7071\", ]",
        ] {
            let file = try ConfigFile(parsing: line + "\n")
            let settings = try ConnectionSettings.resolve(
                flags: .init(), environment: .init(), config: SettingsLayer(config: file),
                readFile: noFile)
            #expect(settings.endpoints == Sourced(two, .configFile), "\(line)")
        }
        for bad in ["a:1,b", "a:1,:2", ","] {
            #expect(throws: CLIError.self, "\(bad)") {
                try ConnectionSettings.resolve(
                    flags: SettingsLayer(address: bad), environment: .init(), config: .init(),
                    readFile: noFile)
            }
        }
        for bad in ["address = [\"a:1\"", "address = []", "address = [a:1]", "address = [\"a:1\"] x"] {
            #expect(throws: CLIError.self, "\(bad)") { try ConfigFile(parsing: bad + "\n") }
        }
    }

    @Test func defaults() throws {
        let settings = try ConnectionSettings.resolve(
            flags: .init(), environment: .init(), config: .init(),
            readFile: noFile)
        #expect(settings.endpoints == Sourced([Endpoint.localDefault], .defaultValue))
        #expect(settings.timeout == Sourced(ConnectionSettings.defaultTimeout, .defaultValue))
        #expect(throws: CLIError.self) { try settings.credentials(for: .account) }
        #expect(throws: CLIError.self) { try settings.credentials(for: .service) }
        #expect(try settings.credentials(for: .none) == .none)
    }

    @Test func environmentLayerReadsTheVariablesAndIgnoresEmptyOnes() {
        let layer = SettingsLayer(environment: [
            "SHAREWIRE_ADDRESS": "h:1", "SHAREWIRE_API_KEY": "",
            "SHAREWIRE_SERVICE_KEY": "svc", "SHAREWIRE_ACT_AS": "a@b",
            "SHAREWIRE_SERVICE_KEY_FILE": "/k", "SHAREWIRE_TIMEOUT": "2",
        ])
        #expect(
            layer
                == SettingsLayer(
                    address: "h:1", apiKey: nil, serviceKey: "svc", serviceKeyFile: "/k",
                    actAs: "a@b", timeout: "2"))
    }

    @Test func serviceKeyFileWinsWithinItsLayerAndIsTrimmed() throws {
        let read: (String) throws -> String = { path in
            #expect(path == "/keys/service.key")
            return "  from-file-key\n"
        }
        let settings = try ConnectionSettings.resolve(
            flags: .init(), environment: SettingsLayer(serviceKey: "env-key", serviceKeyFile: "/keys/service.key"),
            config: SettingsLayer(serviceKey: "config-key"), readFile: read)
        #expect(settings.serviceKey == Sourced("from-file-key", .environment))
        // A higher layer's literal key beats a lower layer's file.
        let flagged = try ConnectionSettings.resolve(
            flags: SettingsLayer(serviceKey: "flag-key"),
            environment: SettingsLayer(serviceKeyFile: "/keys/service.key"),
            config: .init(), readFile: read)
        #expect(flagged.serviceKey == Sourced("flag-key", .flag))
    }

    @Test func unreadableKeyFileBadAddressAndBadTimeoutAreConfigErrors() {
        for (layer, fragment) in [
            (SettingsLayer(serviceKeyFile: "/nope"), "/nope"),
            (SettingsLayer(address: "no-port"), "not host:port: 'no-port'"),
            (SettingsLayer(timeout: "-1"), "timeout must be seconds"),
        ] {
            #expect {
                try ConnectionSettings.resolve(flags: .init(), environment: layer, config: .init(), readFile: noFile)
            } throws: { error in
                (error as? CLIError)?.exitCode == .config && (error as? CLIError)?.message.contains(fragment) == true
            }
        }
    }

    @Test func credentialChoice() throws {
        func settings(api: Sourced<String>?, actAs: Sourced<String>?, service: Sourced<String>?) -> ConnectionSettings {
            ConnectionSettings(
                endpoints: Sourced([.localDefault], .defaultValue), apiKey: api, serviceKey: service,
                actAs: actAs, timeout: Sourced(.seconds(1), .defaultValue), configPath: nil)
        }
        let api = Sourced("sw_k", SettingSource.environment)
        let service = Sourced("svc", SettingSource.environment)
        // Only an API key: it is used; the service key alone serves service commands and check.
        #expect(try settings(api: api, actAs: nil, service: service).credentials(for: .account) == .apiKey("sw_k"))
        #expect(try settings(api: nil, actAs: nil, service: service).credentials(for: .service) == .serviceKey("svc"))
        #expect(
            try settings(api: nil, actAs: nil, service: service).credentials(for: .accountOrService)
                == .serviceKey("svc"))
        #expect(
            try settings(api: api, actAs: nil, service: service).credentials(for: .accountOrService)
                == .apiKey("sw_k"))
        // act-as from a flag beats an API key from the environment, and the reverse.
        #expect(
            try settings(api: api, actAs: Sourced("a@x", .flag), service: service).credentials(for: .account)
                == .serviceKey("svc", actingAs: "a@x"))
        #expect(
            try settings(api: Sourced("sw_k", .flag), actAs: Sourced("a@x", .environment), service: service)
                .credentials(for: .account) == .apiKey("sw_k"))
        // A tie goes to act-as.
        #expect(
            try settings(api: api, actAs: Sourced("a@x", .environment), service: service)
                .credentials(for: .account) == .serviceKey("svc", actingAs: "a@x"))
        // act-as without a service key is a config error.
        #expect(throws: CLIError.self) {
            try settings(api: nil, actAs: Sourced("a@x", .flag), service: nil).credentials(for: .account)
        }
    }

    @Test func configLocation() {
        #expect(
            ConfigLocation.resolve(flag: "/c.toml", environment: ["SHAREWIRE_CONFIG": "/e.toml"])
                == ConfigLocation(path: "/c.toml", explicit: true))
        #expect(
            ConfigLocation.resolve(flag: nil, environment: ["SHAREWIRE_CONFIG": "/e.toml", "HOME": "/h"])
                == ConfigLocation(path: "/e.toml", explicit: true))
        #expect(
            ConfigLocation.resolve(flag: nil, environment: ["XDG_CONFIG_HOME": "/x", "HOME": "/h"])
                == ConfigLocation(path: "/x/sharewire/config.toml", explicit: false))
        #expect(
            ConfigLocation.resolve(flag: nil, environment: ["XDG_CONFIG_HOME": "relative", "HOME": "/h"])
                == ConfigLocation(path: "/h/.config/sharewire/config.toml", explicit: false))
        #expect(ConfigLocation.resolve(flag: nil, environment: [:]) == nil)
    }

    @Test func maskNeverShowsAKey() {
        let key = "sw_" + String(repeating: "ab", count: 32)
        #expect(ConnectionSettings.mask(key) == "sw_aba…")
        #expect(ConnectionSettings.mask("short") == "…")
    }
}

@Suite("Argument syntax")
struct ArgumentSyntaxTests {
    @Test func ports() throws {
        #expect(try ArgumentSyntax.ports("22") == [22])
        #expect(try ArgumentSyntax.ports("22,80, 443,22") == [22, 80, 443])
        for bad in ["", "22,", "0", "65536", "ssh", "22;80", "-1"] {
            #expect {
                try ArgumentSyntax.ports(bad)
            } throws: {
                ($0 as? CLIError)?.exitCode == .usage && ($0 as? CLIError)?.message.contains("'\(bad)'") == true
            }
        }
    }

    @Test func services() throws {
        #expect(try ArgumentSyntax.service("ssh:22") == NewService(name: "ssh", port: 22, protocol: "tcp"))
        #expect(try ArgumentSyntax.service("web:80/http") == NewService(name: "web", port: 80, protocol: "http"))
        #expect(try ArgumentSyntax.service("a:b:8080") == NewService(name: "a:b", port: 8080, protocol: "tcp"))
        for bad in ["ssh", ":22", "ssh:", "ssh:0", "ssh:22/", "ssh:99999"] {
            #expect(throws: CLIError.self) { try ArgumentSyntax.service(bad) }
        }
    }

    @Test func access() throws {
        #expect(try ArgumentSyntax.access(all: true, ports: nil, services: nil, scripting: false) == .all)
        #expect(
            try ArgumentSyntax.access(all: false, ports: "22,80", services: nil, scripting: true) == .ports([22, 80]))
        #expect(
            try ArgumentSyntax.access(all: false, ports: nil, services: "svc_1", scripting: false)
                == .services(["svc_1"]))
        #expect(try ArgumentSyntax.access(all: false, ports: nil, services: nil, scripting: true) == .scriptsOnly)
        #expect(throws: CLIError.self) {
            try ArgumentSyntax.access(all: false, ports: nil, services: nil, scripting: false)
        }
        #expect(throws: CLIError.self) {
            try ArgumentSyntax.access(all: true, ports: "22", services: nil, scripting: false)
        }
    }

    @Test func devicesResolveByIdOrUniqueName() throws {
        let now = Date(timeIntervalSince1970: 0)
        func device(_ id: String, _ name: String) -> Device {
            Device(id: id, name: name, services: [], createdAt: now, updatedAt: now, role: .owned(shareCount: 0))
        }
        let devices = [device("dev_1", "pi"), device("dev_2", "nas"), device("dev_3", "nas")]
        #expect(try ArgumentSyntax.resolveDevices(["pi", "dev_9", "dev_1"], in: devices) == ["dev_1", "dev_9"])
        #expect(!ArgumentSyntax.needsLookup(["dev_1", "dev_22"]))
        #expect(ArgumentSyntax.needsLookup(["dev_1", "pi"]))
        #expect { try ArgumentSyntax.resolveDevices(["nas"], in: devices) } throws: {
            ($0 as? CLIError)?.exitCode == .usage && ($0 as? CLIError)?.message.contains("dev_2, dev_3") == true
        }
        #expect { try ArgumentSyntax.resolveDevices(["router"], in: devices) } throws: {
            ($0 as? CLIError)?.exitCode == .notFound
        }
    }

    @Test func servicesByIdOrPort() throws {
        let now = Date(timeIntervalSince1970: 0)
        let device = Device(
            id: "dev_1", name: "pi",
            services: [
                Service(id: "svc_1", name: "ssh", port: 22, protocol: "tcp"),
                Service(id: "svc_2", name: "web", port: 80, protocol: "http"),
                Service(id: "svc_3", name: "alt", port: 80, protocol: "tcp"),
            ], createdAt: now, updatedAt: now, role: .owned(shareCount: 0))
        #expect(try ArgumentSyntax.services(matching: "svc_2", on: device) == ["svc_2"])
        #expect(try ArgumentSyntax.services(matching: "80", on: device) == ["svc_2", "svc_3"])
        #expect { try ArgumentSyntax.services(matching: "svc_9", on: device) } throws: {
            ($0 as? CLIError)?.exitCode == .notFound
        }
        #expect { try ArgumentSyntax.services(matching: "443", on: device) } throws: {
            ($0 as? CLIError)?.exitCode == .notFound
        }
        #expect { try ArgumentSyntax.services(matching: "ssh", on: device) } throws: {
            ($0 as? CLIError)?.exitCode == .usage
        }
    }

    @Test func users() throws {
        #expect(try ArgumentSyntax.user("me") == .me)
        #expect(try ArgumentSyntax.user("acc_12") == .id("acc_12"))
        #expect(try ArgumentSyntax.user("Bob@Example.com") == .email("Bob@Example.com"))
        #expect(throws: CLIError.self) { try ArgumentSyntax.user("bob") }
        #expect(ArgumentSyntax.isID("dev_1", kind: "dev"))
        #expect(!ArgumentSyntax.isID("dev_", kind: "dev"))
        #expect(!ArgumentSyntax.isID("dev_1a", kind: "dev"))
    }
}

@Suite("Exit codes and error reports")
struct ExitCodeTests {
    @Test func everyStatusCodeMapsToADocumentedExitCode() {
        let expected: [SharewireError.Code: CLIExitCode] = [
            .ok: .ok, .cancelled: .failure, .unknown: .failure, .invalidArgument: .invalidArgument,
            .deadlineExceeded: .timeout, .notFound: .notFound, .alreadyExists: .alreadyExists,
            .permissionDenied: .permissionDenied, .resourceExhausted: .resourceExhausted,
            .failedPrecondition: .failedPrecondition, .aborted: .failure, .outOfRange: .invalidArgument,
            .unimplemented: .failure, .internal: .failure, .unavailable: .unavailable, .dataLoss: .failure,
            .unauthenticated: .unauthenticated,
        ]
        for code in SharewireError.Code.allCases { #expect(CLIExitCode(code) == expected[code], "\(code)") }
        // Distinct numbers, and none collides with ArgumentParser's 64 or the shell's 126+.
        let values = CLIExitCode.allCases.map(\.rawValue)
        #expect(Set(values).count == values.count)
        #expect(values.allSatisfy { $0 < 64 })
    }

    @Test func humanReportNamesTheSubjectAndHints() {
        let error = SharewireError(
            code: .failedPrecondition, message: "contact has no account",
            detail: .init(
                reason: .contactHasNoAccount, subject: "carol@example.com",
                field: "emails"))
        let report = ErrorReport(error)
        #expect(report.exitCode == 8)
        #expect(
            report.humanText() == """
                error: contact has no account (CONTACT_HAS_NO_ACCOUNT, carol@example.com, field emails)
                hint: invite them: sharewire contacts invite carol@example.com

                """)
        #expect(report.jsonText().contains("\"subject\":\"carol@example.com\""))
        #expect(report.jsonText().hasPrefix("{\"error\":{"))
    }

    @Test func unavailableHintNamesTheAddress() {
        let report = ErrorReport(
            SharewireError(code: .unavailable, message: "connection refused", notProcessed: true),
            endpoint: "127.0.0.1:1")
        #expect(report.exitCode == 10)
        #expect(report.humanText().contains("hint: is sharewired running at 127.0.0.1:1?"))
    }
}

@Suite("Tables")
struct TableTests {
    @Test func alignsColumnsAndMarksEmptyCells() {
        let table = Table(
            header: ["ID", "NAME", "NOTE"], rows: [["dev_1", "pi", "multi\nline"], ["dev_10", "", "x"]])
        #expect(
            table.render() == """
                ID      NAME  NOTE
                dev_1   pi    multi line
                dev_10  -     x

                """)
    }

    @Test func wideCharactersCountTwoCells() {
        #expect(Table.displayWidth("共有") == 4)
        #expect(Table.displayWidth("ab") == 2)
        let table = Table(header: ["A", "B"], rows: [["共有", "x"], ["ab", "y"]])
        #expect(table.render() == "A     B\n共有  x\nab    y\n")
    }

    @Test func devicesShowOwnerOrSharedBy() {
        let now = Date(timeIntervalSince1970: 0)
        let services = [Service(id: "svc_1", name: "ssh", port: 22, protocol: "tcp")]
        let text = Render.devices([
            Device(
                id: "dev_1", name: "pi", services: services, createdAt: now, updatedAt: now,
                role: .owned(shareCount: 2)),
            Device(
                id: "dev_2", name: "nas", services: services, createdAt: now, updatedAt: now,
                role: .shared(
                    by: "alice@example.com", access: ShareAccess(mode: .ports, serviceIDs: ["svc_1"], ports: [22]),
                    scripting: true)),
        ])
        #expect(
            text == """
                ID     NAME  SERVICES    OWNER              SHARES  ACCESS
                dev_1  pi    ssh:22/tcp  me                 2       owner
                dev_2  nas   ssh:22/tcp  alice@example.com  -       ports 22, scripting

                """)
    }

    @Test func suggestionsForMistypedCommands() {
        let commands = ["contacts", "devices", "share", "unshare", "access", "check", "events", "status", "config"]
        #expect(Suggestions.closest(to: "device", among: commands) == ["devices"])
        #expect(Suggestions.closest(to: "chek", among: commands) == ["check"])
        #expect(Suggestions.closest(to: "cnofig", among: commands) == ["config"])
        #expect(Suggestions.closest(to: "sh", among: commands) == ["share"])
        #expect(Suggestions.closest(to: "frobnicate", among: commands).isEmpty)
        #expect(Suggestions.distance("ab", "ba") == 1)
        #expect(Suggestions.distance("", "abc") == 3)
        #expect(Suggestions.phrase(["list", "ls"]) == "did you mean 'list' or 'ls'?")
        #expect(Suggestions.phrase([]) == nil)
    }

    @Test func repeatedAndCommaSeparatedEmails() throws {
        #expect(
            try ArgumentSyntax.emails(["a@x.com,b@x.com", "c@x.com", "a@x.com"], option: "--with")
                == ["a@x.com", "b@x.com", "c@x.com"])
        #expect(throws: CLIError.self) { try ArgumentSyntax.emails(["a@x.com,"], option: "--with") }
    }

    @Test func fileErrorsInPlainWords() throws {
        do {
            _ = try String(contentsOfFile: "/nonexistent/sharewire-key", encoding: .utf8)
            Issue.record("read a file that does not exist")
        } catch {
            #expect(FileErrors.describe(error) == "no such file")
        }
    }
}

@Suite("Key file permissions")
struct KeyFilePermissionsTests {
    @Test func onlyOwnerOnlyFilesPassSilently() {
        #expect(KeyFilePermissions.warning(path: "/k", mode: 0o600, holds: "a key") == nil)
        #expect(KeyFilePermissions.warning(path: "/k", mode: 0o400, holds: "a key") == nil)
        #expect(
            KeyFilePermissions.warning(path: "/k", mode: 0o640, holds: "the service key")
                == "warning: /k holds the service key and other users may read it (mode 0640); run: chmod 600 /k")
        #expect(KeyFilePermissions.warning(path: "/k", mode: 0o100604, holds: "a key")?.contains("mode 0604") == true)
    }
}
