import Foundation
import SharewireTestSupport
import Testing

/// `-o table|wide|json|name`, `access list --all`, contacts with their share
/// counts, device names in events; and every connection option may lead.
@Suite(.timeLimit(.minutes(3)))
struct OutputFormatTests {
    @Test func listingsInEveryFormat() async throws {
        try await CLIServer.with { server in
            let cli = try CLI(address: server.address)
            defer { cli.dir.remove() }
            let alice = try await cli.account("alice@example.com")
            _ = try await cli.account("bob@example.com")
            try await cli.runAll(
                [
                    "contacts add bob@example.com", "contacts add carol@example.com",
                    "devices add pi --service ssh:22", "devices add nas --service ssh:22", "devices add cam",
                    "share pi nas --with bob@example.com --ports 22",
                ], env: alice)
            // -o name: one id (or email) per line.
            var result = try await cli.run("devices list -o name", env: alice)
            #expect(result.stdout == "dev_1\ndev_2\ndev_3\n", "\(result)")
            result = try await cli.run("contacts ls --output name", env: alice)
            #expect(result.stdout == "bob@example.com\ncarol@example.com\n", "\(result)")
            // -o json is --json.
            result = try await cli.run("devices list -o json", env: alice)
            #expect((try result.json() as? [Any])?.count == 3, "\(result)")
            // -o wide adds columns.
            result = try await cli.run("devices list -o wide", env: alice)
            #expect(
                result.stdout.hasPrefix("ID ") && result.stdout.contains("SERVICE IDS")
                    && result.stdout.contains("CREATED"),
                "\(result)")
            // Contacts with how many of your devices each is shared on.
            result = try await cli.run("contacts list", env: alice)
            let rows = result.stdout.split(separator: "\n").map {
                $0.split(separator: " ", omittingEmptySubsequences: true)
            }
            let header = try #require(rows.first)
            let shares = try #require(header.firstIndex(of: "SHARES"))
            #expect(rows.first { $0.first == "bob@example.com" }?[shares] == "2", "\(result)")
            #expect(rows.first { $0.first == "carol@example.com" }?.contains("0") == true, "\(result)")
            // Every share of every device you own, with device names.
            result = try await cli.run("access list --all", env: alice)
            #expect(
                result.status == 0 && result.stdout.contains("pi (dev_1)") && result.stdout.contains("nas (dev_2)"),
                "\(result)")
            #expect(!result.stdout.contains("cam"), "\(result)")
            result = try await cli.run("access list --all -o name", env: alice)
            #expect(result.stdout == "dev_1 bob@example.com\ndev_2 bob@example.com\n", "\(result)")
            result = try await cli.run("access list", env: alice)
            #expect(result.status == 2 && result.stderr.contains("--all"), "\(result)")
            // Events name their devices.
            result = try await cli.run("events --kind share.created", env: alice)
            #expect(result.stdout.contains("pi (dev_1),nas (dev_2)"), "\(result)")
            result = try await cli.run("-o bogus devices list", env: alice)
            #expect(result.status == 2, "\(result)")
        }
    }

    /// The options `whoami --help` lists (all connection options) are each
    /// accepted before the command too, so the list of leading options kept
    /// for that purpose cannot fall behind.
    @Test func everyConnectionOptionMayLead() async throws {
        let cli = try CLI()
        defer { cli.dir.remove() }
        let help = try await cli.run(["whoami", "--help"]).stdout
        let options = help.split(separator: "\n").filter { $0.hasPrefix("  -") }
        #expect(options.count >= 15, "\(help)")
        for line in options {
            // `  -o, --output <format>   Output format…`: the part before the description.
            let head = line.dropFirst(2).components(separatedBy: "  ")[0]
            let spec = head.split(separator: " ", omittingEmptySubsequences: true)
            let takesValue = spec.contains { $0.hasPrefix("<") }
            let names = spec.filter { $0.hasPrefix("-") }.map { String($0.trimmingCharacters(in: [","])) }
            for name in names where name != "--help" && name != "-h" && name != "--version" {
                let value = name == "-o" || name == "--output" ? ["table"] : takesValue ? ["x"] : []
                let result = try await cli.run([name] + value + ["config", "path"])
                #expect(result.status == 0, "\(name) before the command: \(result)")
            }
        }
    }
}
