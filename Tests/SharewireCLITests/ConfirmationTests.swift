import Foundation
import SharewireCLICore
import SharewireClient
import SharewireTestSupport
import Testing

/// Destructive commands ask first on a terminal (driven through a real
/// pseudo-terminal by tools/tests/pty-run); the decision rules unit by unit.
@Suite(.timeLimit(.minutes(3)))
struct ConfirmationTests {
    static var ptyRun: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("tools/tests/pty-run").path
    }

    /// `sharewire arguments…` on a pseudo-terminal, answering `answer` to the prompt.
    static func onTerminal(_ cli: CLI, _ arguments: [String], answer: String, env: [String: String]) async throws
        -> CLI.Result
    {
        var base = cli
        base.environment = cli.environment.merging(env) { $1 }
        return try await ChildProcess.run(
            Self.ptyRun, [answer, "[y/N]", "--", try CLI.binary()] + arguments,
            environment: base.environment, timeout: .seconds(30))
    }

    @Test func aTerminalIsAskedAndOnlyYesGoesAhead() async throws {
        try await CLIServer.with { server in
            let cli = try CLI(address: server.address)
            defer { cli.dir.remove() }
            let alice = try await cli.account("alice@example.com")
            _ = try await cli.account("bob@example.com")
            try await cli.runAll(
                [
                    "contacts add bob@example.com", "devices add pi --service ssh:22 --service web:80",
                    "share pi --with bob@example.com --ports 22,80 --scripting",
                ], env: alice)
            // No: exit 14, nothing changed; the question shows what would end.
            var result = try await Self.onTerminal(cli, ["contacts", "rm", "bob@example.com"], answer: "n", env: alice)
            #expect(result.status == 14, "\(result)")
            #expect(result.stdout.contains("Remove the contact bob@example.com and end this share:"), "\(result)")
            #expect(result.stdout.contains("pi (dev_1): ports 22,80, scripting"), "\(result)")
            #expect(result.stdout.contains("cancelled: nothing was changed"), "\(result)")
            #expect(try await cli.run("access list pi -o name", env: alice).stdout == "bob@example.com\n")
            // A narrowing edit shows old → new; Enter alone is no.
            result = try await Self.onTerminal(
                cli, ["access", "edit", "pi", "bob@example.com", "--no-scripting"],
                answer: "", env: alice)
            #expect(result.status == 14 && result.stdout.contains("ports 22,80, scripting → ports 22,80"), "\(result)")
            // A widening edit does not ask.
            result = try await Self.onTerminal(
                cli, ["access", "edit", "pi", "bob@example.com", "--all"], answer: "n", env: alice)
            #expect(result.status == 0 && !result.stdout.contains("[y/N]"), "\(result)")
            // Yes goes ahead.
            result = try await Self.onTerminal(
                cli, ["transfer", "pi", "--to", "bob@example.com"], answer: "yes", env: alice)
            #expect(
                result.status == 0 && result.stdout.contains("Give to bob@example.com, who becomes the owner:"),
                "\(result)")
            #expect(
                result.stdout.contains("pi (dev_1): its 1 share end") && result.stdout.contains("transferred 1"),
                "\(result)")
        }
    }

    /// `devices rm` and `account delete` ask like transfer: no changes nothing, without a terminal
    /// they need --yes, --dry-run asks nothing and changes nothing.
    @Test func deletionsAskFirst() async throws {
        try await CLIServer.with { server in
            let cli = try CLI(address: server.address)
            defer { cli.dir.remove() }
            let alice = try await cli.account("alice@example.com")
            let bob = try await cli.account("bob@example.com")
            try await cli.runAll(
                [
                    "contacts add bob@example.com", "devices add pi --service ssh:22", "devices add nas",
                    "share pi --with bob@example.com --ports 22",
                ], env: alice)
            var result = try await Self.onTerminal(cli, ["devices", "rm", "pi"], answer: "n", env: alice)
            #expect(result.status == 14 && result.stdout.contains("the access of these people ends:"), "\(result)")
            #expect(result.stdout.contains("bob@example.com"), "\(result)")
            result = try await cli.run("devices rm pi", env: alice)
            #expect(result.status == 2 && result.stderr.contains("--yes"), "\(result)")
            result = try await cli.run("devices rm pi --dry-run", env: alice)
            #expect(
                result.status == 0
                    && result.stdout.contains("(dry run: nothing was changed) deleted dev_1; 1 share ended"),
                "\(result)")
            result = try await Self.onTerminal(cli, ["devices", "rm", "pi"], answer: "y", env: alice)
            #expect(result.status == 0 && result.stdout.contains("deleted dev_1; 1 share ended"), "\(result)")
            #expect(try await cli.run("devices list -o name", env: alice).stdout == "dev_2\n")
            // A recipient may not delete the owner's device (exit 6); it is gone for bob anyway (exit 4).
            result = try await cli.run("devices rm nas --yes", env: bob)
            #expect(result.status == 4, "\(result)")

            // The account: the wrong email is refused (exit 3), no keeps it, yes deletes it and its key.
            result = try await cli.run("account delete bob@example.com --yes", env: alice)
            #expect(result.status == 3 && result.stderr.contains("confirm"), "\(result)")
            result = try await Self.onTerminal(
                cli, ["account", "delete", "alice@example.com"], answer: "n", env: alice)
            #expect(
                result.status == 14 && result.stdout.contains("with its 1 devices, 0 shares and 1 contacts"),
                "\(result)")
            result = try await cli.run("account delete alice@example.com --yes --json", env: alice)
            let deleted = try #require(try result.json() as? [String: Any], "\(result)")
            #expect(deleted["devicesDeleted"] as? Int == 1 && deleted["contactsDeleted"] as? Int == 1, "\(result)")
            result = try await cli.run("whoami", env: alice)
            #expect(result.status == 7, "\(result)")
        }
    }

    @Test func theRules() {
        #expect(Confirmation.decide(yes: true, interactive: false) == .proceed)
        #expect(Confirmation.decide(yes: false, interactive: true) == .ask)
        #expect(Confirmation.decide(yes: false, interactive: false) == .refuse)
        #expect(
            Confirmation.isYes("y") && Confirmation.isYes(" YES ") && !Confirmation.isYes("")
                && !Confirmation.isYes("no")
                && !Confirmation.isYes(nil) && !Confirmation.isYes("yep"))
        let services = [
            Service(id: "svc_1", name: "ssh", port: 22, protocol: "tcp"),
            Service(id: "svc_2", name: "alt", port: 22, protocol: "tcp"),
            Service(id: "svc_3", name: "web", port: 80, protocol: "tcp"),
        ]
        func share(_ access: ShareAccess, _ scripting: Bool = false) -> Share {
            Share(
                deviceID: "dev_1", userID: "acc_2", email: "b@x.com", access: access, scripting: scripting,
                createdAt: .now, updatedAt: .now)
        }
        let ssh = share(ShareAccess(mode: .ports, serviceIDs: ["svc_1"], ports: [22]), true)
        // Same port by number.
        #expect(!AccessComparison.narrows(ssh, to: .ports([22]), scripting: true, services: services))
        #expect(!AccessComparison.narrows(ssh, to: .all, scripting: true, services: services))
        // Scripting gone.
        #expect(AccessComparison.narrows(ssh, to: .ports([22]), scripting: false, services: services))
        #expect(AccessComparison.narrows(ssh, to: .ports([80]), scripting: true, services: services))
        #expect(AccessComparison.narrows(ssh, to: .services(["svc_2"]), scripting: true, services: services))
        #expect(!AccessComparison.narrows(ssh, to: .services(["svc_1", "svc_3"]), scripting: true, services: services))
        #expect(AccessComparison.narrows(share(.all), to: .ports([22, 80]), scripting: false, services: services))
        #expect(
            !AccessComparison.narrows(share(.scriptsOnly, true), to: .ports([22]), scripting: true, services: services))
    }
}
