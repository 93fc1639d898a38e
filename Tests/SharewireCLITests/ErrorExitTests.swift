import Foundation
import SharewireTestSupport
import Testing

/// Bad input and failures: exact exit codes, `error:` on stderr, never a stack trace.
@Suite("CLI errors and help", .serialized)
struct ErrorExitTests {
    @Test func errorExits() async throws {
        try await CLIServer.with { server in
            let cli = try CLI(address: server.address)
            defer { cli.dir.remove() }
            let service = ["SHAREWIRE_SERVICE_KEY": CLIServer.serviceKey]
            let key = try await cli.run("admin accounts create dora@example.com --key-only", env: service).out
            let dora = ["SHAREWIRE_API_KEY": key]

            func expectFailure(
                _ arguments: [String], env: [String: String], status: Int32, mentions: [String],
                sourceLocation: SourceLocation = #_sourceLocation
            ) async throws {
                let result = try await cli.run(arguments, env: env)
                #expect(result.status == status, "\(arguments): \(result)", sourceLocation: sourceLocation)
                for text in mentions {
                    #expect(
                        result.stderr.contains(text), "\(arguments) should mention \(text): \(result)",
                        sourceLocation: sourceLocation)
                }
                #expect(result.hasNoCrashOutput, "\(result)", sourceLocation: sourceLocation)
            }

            // The server refuses: invalid argument 3, not found 4, exists 5, unauthenticated 7.
            try await expectFailure(
                ["contacts", "add", "not-an-email"], env: dora, status: 3,
                mentions: ["error: ", "not-an-email"])
            try await expectFailure(
                ["devices", "show", "dev_999"], env: dora, status: 4,
                mentions: ["error: ", "dev_999"])
            try await expectFailure(
                ["share", "router", "--with", "x@example.com", "--all"], env: dora, status: 4,
                mentions: ["error: no device named 'router'"])
            try await expectFailure(
                ["contacts", "rm", "nobody@example.com"], env: dora, status: 4,
                mentions: ["nobody@example.com"])
            try await expectFailure(
                ["admin", "accounts", "create", "dora@example.com"], env: service, status: 5,
                mentions: ["dora@example.com"])
            try await expectFailure(
                ["whoami"], env: ["SHAREWIRE_API_KEY": "sw_" + String(repeating: "0", count: 64)],
                status: 7, mentions: ["error: ", "UNAUTHENTICATED"])
            try await expectFailure(
                ["admin", "accounts", "create", "eve@example.com", "--service-key", "wrong-key"],
                env: [:], status: 7,
                mentions: ["error: unknown service key", "hint: use the service key sharewired was started with"])
            // A device name means nothing to the service key alone.
            try await expectFailure(
                ["check", "acc_1", "pi", "22"], env: service, status: 2,
                mentions: ["the device name 'pi' cannot be resolved without an account", "--act-as"])
            // Unsharing a pair that has no share: not found, nothing removed.
            let device = try await cli.run("devices add nas --service ssh:22 --quiet", env: dora).out
            try await expectFailure(
                ["unshare", device, "--from", "typo@example.com"], env: dora, status: 4,
                mentions: ["no share of \(device) with typo@example.com", "access list"])
            // An account key where the service key is needed: permission denied 6.
            try await expectFailure(
                ["notifications", "watch", "--service-key", key, "--limit", "1"], env: [:],
                status: 6, mentions: ["SERVICE_KEY_REQUIRED"])

            // Usage errors (2), found before anything is sent.
            try await expectFailure(
                ["share", "pi", "--with", "x@example.com"], env: dora, status: 2,
                mentions: ["--ports"])
            try await expectFailure(
                ["share", "pi", "--with", "x@example.com", "--ports", "22,ssh"], env: dora,
                status: 2, mentions: ["22,ssh"])
            try await expectFailure(
                ["devices", "add", "pi", "--service", "ssh"], env: dora, status: 2,
                mentions: ["not a service: 'ssh'"])
            try await expectFailure(["check", "me", "pi"], env: dora, status: 2, mentions: ["PORT"])
            try await expectFailure(
                ["check", "dora@example.com", "dev_1", "22"], env: service, status: 2,
                mentions: ["account id", "admin accounts show dora@example.com"])
            try await expectFailure(["frobnicate"], env: dora, status: 2, mentions: ["frobnicate"])
            try await expectFailure(["contacts", "list", "--bogus"], env: dora, status: 2, mentions: ["--bogus"])

            // Configuration (12): no credentials, a bad address, a bad config file.
            try await expectFailure(
                ["contacts", "list"], env: [:], status: 12,
                mentions: ["error: no account credentials", "hint: "])
            try await expectFailure(
                ["contacts", "list", "--address", "nowhere"], env: dora, status: 12,
                mentions: ["not host:port: 'nowhere'"])
            try await expectFailure(
                ["whoami", "--config", cli.dir.file("missing.toml")], env: dora, status: 12,
                mentions: ["missing.toml"])

            // --json errors are one JSON object on stderr.
            let jsonError = try await cli.run(["devices", "show", "dev_999", "--json"], env: dora)
            #expect(jsonError.status == 4)
            let object = try #require(
                try JSONSerialization.jsonObject(with: Data(jsonError.stderr.utf8))
                    as? [String: Any])
            let error = try #require(object["error"] as? [String: Any])
            #expect(error["exitCode"] as? Int == 4 && error["code"] as? String == "NOT_FOUND", "\(jsonError)")
            #expect(error["subject"] as? String == "dev_999")

            // The config file: address and key from ~/.config/sharewire/config.toml; flags and env win.
            let configDir = cli.dir.file("home/.config/sharewire")
            try FileManager.default.createDirectory(atPath: configDir, withIntermediateDirectories: true)
            try "# test\naddress = \"\(server.address)\"\napi_key = \"\(key)\"\n"
                .write(toFile: configDir + "/config.toml", atomically: true, encoding: .utf8)
            let configFile = configDir + "/config.toml"
            try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: configFile)
            var result = try await cli.run(["whoami"], env: ["SHAREWIRE_ADDRESS": ""])
            #expect(result.status == 0 && result.stdout.contains("dora@example.com"), "\(result)")
            // A key in a file others may read: a warning with the fix, and the command still runs.
            #expect(
                result.stderr
                    == "warning: \(configFile) holds a key and other users may read it (mode 0644); run: chmod 600 \(configFile)\n",
                "\(result)")
            try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: configFile)
            result = try await cli.run(["whoami"], env: ["SHAREWIRE_ADDRESS": ""])
            #expect(result.status == 0 && result.stderr.isEmpty, "\(result)")
            result = try await cli.run(["config", "show"], env: ["SHAREWIRE_ADDRESS": ""])
            #expect(
                result.stdout.contains("config file") && !result.stdout.contains(key)
                    && result.stdout.contains(String(key.prefix(6)) + "…"), "\(result)")
            result = try await cli.run(["config", "show", "--address", "127.0.0.1:1"], env: [:])
            #expect(result.stdout.contains("127.0.0.1:1") && result.stdout.contains("flag"), "\(result)")
            result = try await cli.run(["config", "path", "--json"], env: [:])
            #expect((try result.json() as? [String: Any])?["path"] as? String == configDir + "/config.toml")
            #expect((try result.json() as? [String: Any])?["exists"] as? Bool == true, "\(result)")
            try "adress = \"typo\"\n".write(toFile: configDir + "/config.toml", atomically: true, encoding: .utf8)
            try await expectFailure(["whoami"], env: [:], status: 12, mentions: ["config.toml:1: unknown key 'adress'"])
            try FileManager.default.removeItem(atPath: configDir + "/config.toml")

            // The service key acting for an account; a bad SHAREWIRE_TIMEOUT is a config error.
            result = try await cli.run(["whoami", "--act-as", "dora@example.com", "--json"], env: service)
            #expect((try result.json() as? [String: Any])?["email"] as? String == "dora@example.com", "\(result)")
            try await expectFailure(
                ["whoami"], env: dora.merging(["SHAREWIRE_TIMEOUT": "soon"]) { $1 }, status: 12,
                mentions: ["timeout must be seconds", "SHAREWIRE_TIMEOUT"])
            result = try await cli.run(["config", "show", "--json"], env: dora)
            let settings = try #require(try result.json() as? [[String: Any]], "\(result)")
            #expect(
                settings.first { $0["name"] as? String == "api_key" }?["value"] as? String
                    == String(key.prefix(6)) + "…")

            // Status waits for a running server.
            result = try await cli.run(["status", "--wait", "5"], env: [:])
            #expect(result.status == 0 && result.stdout.contains("SERVING"), "\(result)")

            // Server down: unavailable (10), with a hint naming the address.
            let address = server.address
            _ = try await server.process.stop(signal: SIGTERM, timeout: .seconds(20))
            try await expectFailure(
                ["contacts", "list"], env: dora, status: 10,
                mentions: ["error: ", "hint: is sharewired running at \(address)?"])
            try await expectFailure(["status"], env: [:], status: 10, mentions: ["error: "])
        }
    }

    /// Every command has `--help` with an example, and exits 0.
    @Test func everyCommandHasHelpWithAnExample() async throws {
        let cli = try CLI()
        defer { cli.dir.remove() }
        let commands = [
            "", "contacts", "contacts add", "contacts list", "contacts edit", "contacts rm", "contacts invite",
            "devices", "devices add", "devices list", "devices show", "devices rename", "devices services",
            "devices services add", "devices services rm", "share", "unshare",
            "access", "access list", "access edit", "common-sharees", "leave", "transfer", "check", "events",
            "notifications", "notifications watch", "notifications ack", "admin", "admin accounts",
            "admin accounts create", "admin accounts show", "whoami", "status", "config", "config show",
            "config path", "config set", "config unset", "login", "completion",
        ]
        for command in commands {
            let arguments = command.split(separator: " ").map(String.init) + ["--help"]
            let result = try await cli.run(arguments)
            #expect(result.status == 0, "\(command): \(result)")
            #expect(result.stdout.contains("Example:"), "\(command) --help has no example: \(result)")
            #expect(result.stdout.contains("USAGE: sharewire"), "\(command): \(result)")
            // Each example stays on one line at 80 columns (not on a terminal), so it can be pasted.
            let lines = result.stdout.split(separator: "\n", omittingEmptySubsequences: false)
            if let start = lines.firstIndex(of: "Example:") {
                for line in lines[(start + 1)...].prefix(while: { !$0.isEmpty && !$0.hasPrefix("USAGE") }) {
                    // A wrapped line would be indented further than the example's two spaces.
                    #expect(
                        line.hasPrefix("  ") && !line.hasPrefix("   ") && line.count <= 80,
                        "\(command): an example wraps: '\(line)'")
                }
            }
            // The connection options come after the command's own, --help last.
            if let address = result.stdout.range(of: "--address"), let help = result.stdout.range(of: "-h, --help") {
                #expect(address.lowerBound < help.lowerBound, "\(command)")
                #expect(!result.stdout.contains("CONNECTION OPTIONS"), "\(command)")
            }
        }
    }

    /// Usage errors in the one error style, honouring --json; mistyped
    /// commands get a suggestion; connection options may come first.
    @Test func usageErrorsArePlainAndSuggestCommands() async throws {
        let cli = try CLI()
        defer { cli.dir.remove() }
        var result = try await cli.run(["device", "list"])
        #expect(result.status == 2, "\(result)")
        #expect(result.stderr.contains("error: unknown command 'device' for 'sharewire'"), "\(result)")
        #expect(result.stderr.contains("hint: did you mean 'devices'?"), "\(result)")
        #expect(!result.stderr.contains("Usage:") && !result.stderr.contains("Error:"), "\(result)")

        result = try await cli.run(["devices", "lst", "--json"])
        #expect(result.status == 2, "\(result)")
        let object = try #require(
            try JSONSerialization.jsonObject(with: Data(result.stderr.utf8)) as? [String: Any],
            "\(result)")
        let error = try #require(object["error"] as? [String: Any])
        #expect(error["message"] as? String == "unknown command 'lst' for 'sharewire devices'")
        #expect((error["hint"] as? String)?.contains("did you mean 'list'?") == true, "\(result)")
        #expect(error["kind"] as? String == "usage")

        result = try await cli.run(["contacts", "list", "--bogus", "--json"])
        #expect(result.status == 2, "\(result)")
        #expect(
            (try? JSONSerialization.jsonObject(with: Data(result.stderr.utf8))) != nil, "--json usage error: \(result)")
        #expect(result.stderr.contains("--bogus"))

        // `ls` and `rm` are aliases; connection options may precede the command.
        result = try await cli.run(["--address", "127.0.0.1:1", "--api-key", "sw_x", "devices", "ls"])
        #expect(result.status == 10, "\(result)")
        #expect(result.stderr.contains("error: cannot connect to 127.0.0.1:1: connection refused\n"), "\(result)")
        #expect(
            result.stderr.contains("hint: is sharewired running at 127.0.0.1:1? Try `sharewire status`"), "\(result)")
        #expect(!result.stderr.contains("SingleConnectionFailure") && !result.stderr.contains("errno"), "\(result)")

        // A missing key file is named in plain words.
        result = try await cli.run(["admin", "accounts", "show", "acc_1", "--service-key-file", cli.dir.file("nope")])
        #expect(result.status == 12, "\(result)")
        #expect(result.stderr.contains("no such file") && !result.stderr.contains("NSCocoaErrorDomain"), "\(result)")
    }
}
