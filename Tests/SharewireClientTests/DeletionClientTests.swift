import Foundation
import SharewireClient
import Testing

/// deleteDevice and deleteAccount through the typed client.
@Suite("Client deletions end to end")
struct DeletionClientTests {
    @Test("a dry run changes nothing; deleting a device ends its shares; deleting the account stops its key")
    func deleteDeviceAndAccount() async throws {
        try await LiveServer.with { server in
            let (_, alice) = try await server.account("alice@example.com")
            let (_, bob) = try await server.account("bob@example.com")
            defer {
                alice.close()
                bob.close()
            }
            _ = try await alice.createContact(email: "bob@example.com")
            let pi = try await alice.registerDevice(name: "pi", services: [NewService(name: "ssh", port: 22)])
            _ = try await alice.share(devices: [pi.id], with: ["bob@example.com"], access: .all)

            let dry = try await alice.deleteDevice(pi.id, validateOnly: true)
            let still = try await alice.device(pi.id)
            #expect(dry.count == 1 && still.id == pi.id)
            do throws(SharewireError) {
                _ = try await bob.deleteDevice(pi.id)
                Issue.record("a recipient deleted the owner's device")
            } catch {
                #expect(error.code == .permissionDenied && error.reason == .notDeviceOwner)
            }
            let deleted = try await alice.deleteDevice(pi.id, notify: false)
            #expect(deleted.count == 1)
            let allowed = try await bob.check(
                device: pi.id, port: 22, options: CallOptions(consistency: .atLeast(deleted.revision)))
            #expect(!allowed)

            let account = try await alice.deleteAccount(confirmEmail: "alice@example.com")
            #expect(account.devicesDeleted == 0 && account.contactsDeleted == 1 && account.sharesRemoved == 0)
            do throws(SharewireError) {
                _ = try await alice.whoami()
                Issue.record("a deleted account's key still works")
            } catch {
                #expect(error.code == .unauthenticated)
            }
        }
    }
}
