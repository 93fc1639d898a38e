import Foundation
import Testing

/// `sharewire keys create|list|revoke` through the built binary against a
/// real `sharewired`.
@Suite("CLI keys", .serialized)
struct KeysCommandTests {
    @Test func createListUseAndRevoke() async throws {
        try await CLIServer.with { server in
            let cli = try CLI(address: server.address)
            defer { cli.dir.remove() }
            let alice = try await cli.account("alice@example.com")

            let created = try await cli.run("keys create ci --key-only", env: alice)
            #expect(created.status == 0 && created.out.hasPrefix("sw_") && created.out.count == 67, "\(created)")
            let ci = ["SHAREWIRE_API_KEY": created.out]
            var result = try await cli.run("whoami", env: ci)
            #expect(result.status == 0 && result.stdout.contains("alice@example.com"), "\(result)")

            result = try await cli.run("keys create laptop", env: alice)
            #expect(result.status == 0 && result.stdout.contains("api key (shown only now): sw_"), "\(result)")
            result = try await cli.run("keys create laptop", env: alice)
            #expect(result.status != 0 && result.stderr.contains("API_KEY_NAME_IN_USE"), "\(result)")

            result = try await cli.run("keys", env: alice)  // list is the default
            #expect(result.status == 0 && result.stdout.hasPrefix("ID "), "\(result)")
            #expect(result.stdout.contains("LAST USED") && result.stdout.contains("never"), "\(result)")
            result = try await cli.run("keys list --json", env: alice)
            let keys = try #require(try result.json() as? [[String: Any]], "\(result)")
            #expect(keys.map { $0["name"] as? String } == ["default", "ci", "laptop"])
            let ciID = try #require(keys[1]["id"] as? String)
            #expect(keys[1]["lastUsedAt"] is String && keys[2]["lastUsedAt"] == nil)

            // Without a terminal, revoking needs --yes (exit 2).
            result = try await cli.run("keys revoke \(ciID)", env: alice)
            #expect(result.status == 2, "\(result)")
            result = try await cli.run("keys revoke \(ciID) --yes", env: alice)
            #expect(result.status == 0 && result.stdout.contains("revoked \(ciID) ci"), "\(result)")
            result = try await cli.run("whoami", env: ci)
            #expect(result.status != 0 && result.stderr.contains("unknown API key"), "\(result)")
            result = try await cli.run("keys revoke \(ciID) --yes", env: alice)
            #expect(result.status == 4 && result.stderr.contains("API_KEY_NOT_FOUND"), "\(result)")
        }
    }
}
