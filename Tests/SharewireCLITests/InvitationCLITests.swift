import Foundation
import Testing

/// `share --require-acceptance` and `invitations accept|decline` through the binary.
@Suite("CLI invitations", .serialized)
struct InvitationCLITests {
    @Test func inviteAcceptAndDecline() async throws {
        try await CLIServer.with { server in
            let cli = try CLI(address: server.address)
            defer { cli.dir.remove() }
            let alice = try await cli.account("alice@example.com")
            let bob = try await cli.account("bob@example.com")
            try await cli.runAll(
                [
                    "contacts add bob@example.com", "devices add pi --service ssh:22",
                    "devices add nas --service ssh:22",
                    "share pi nas --with bob@example.com --ports 22 --require-acceptance",
                ], env: alice)
            var result = try await cli.run("devices list", env: bob)
            #expect(result.status == 0 && result.stdout.contains("(invitation: accept by "), "\(result)")
            result = try await cli.run("invitations list", env: bob)
            let lines = result.stdout.split(separator: "\n")
            #expect(
                result.status == 0 && lines.count == 3 && lines[0].hasPrefix("ID") && lines[0].hasSuffix("ACCEPT BY"),
                "\(result)")
            #expect(
                lines.dropFirst().allSatisfy { $0.contains("alice@example.com") && $0.contains("services svc_") },
                "\(result)")
            result = try await cli.run("invitations list", env: alice)  // alice has none waiting for her
            #expect(result.status == 0 && result.stdout.split(separator: "\n").count == 1, "\(result)")
            result = try await cli.run("access list pi", env: alice)
            #expect(result.stdout.contains("(invitation: accept by "), "\(result)")
            result = try await cli.run("check me pi 22", env: bob)
            #expect(result.status == 1, "\(result)")  // pending: not allowed
            result = try await cli.run("invitations accept pi", env: bob)
            #expect(result.status == 0 && result.stdout.hasPrefix("accepted 1 invitation"), "\(result)")
            result = try await cli.run("check me pi 22", env: bob)
            #expect(result.status == 0, "\(result)")
            result = try await cli.run("invitations decline nas", env: bob)
            #expect(result.status == 0 && result.stdout.hasPrefix("declined 1 invitation"), "\(result)")
            result = try await cli.run("invitations list -o name", env: bob)  // answered: none left
            #expect(result.status == 0 && result.stdout.isEmpty, "\(result)")
            result = try await cli.run("invitations accept pi", env: bob)  // already accepted: SHARE_NOT_FOUND
            #expect(result.status == 4 && result.stderr.contains("no pending invitation"), "\(result)")
        }
    }
}
