import Foundation
import SharewireClient
import SharewireTestSupport
import Testing

/// The access-change feed through the typed client, against the real server.
@Suite("Client access changes end to end")
struct AccessChangesTests {
    @Test("a broker watching sees a revoke as .none; each account its own view; resume and unknown cursors")
    func watchRevokeResume() async throws {
        try await LiveServer.with { server in
            let admin = server.serviceClient()
            defer { admin.close() }
            let (alice, aliceClient) = try await server.account("alice@example.com")
            let (bob, bobClient) = try await server.account("bob@example.com")
            let (_, strangerClient) = try await server.account("stranger@example.com")
            defer {
                aliceClient.close()
                bobClient.close()
                strangerClient.close()
            }
            _ = try await aliceClient.createContact(email: "bob@example.com")
            let device = try await aliceClient.registerDevice(name: "pi", services: [NewService(name: "ssh", port: 22)])
            let start = try await aliceClient.listDevices().revision

            // A broker (service key, no act-as) watching from now sees the share and then the revoke.
            // The writer starts once the first message shows the stream is open
            // (woken by it; after 20 s it writes anyway and the checks below fail).
            let watching = EventCounter()
            let writer = Task {
                _ = await watching.wait(timeout: .seconds(20))
                _ = try await aliceClient.share(
                    devices: [device.id], with: ["bob@example.com"], access: .ports([22]),
                    scripting: true)
                _ = try await aliceClient.removeShares(devices: [device.id], from: ["bob@example.com"])
            }
            var seen: [AccessChange] = []
            var through = Revision.zero
            for try await batch in admin.watchAccessChanges(after: nil, options: .timeout(.seconds(20))) {
                watching.add()
                seen += batch.changes
                through = batch.throughRevision
                if seen.count == 2 { break }
            }
            try await writer.value
            #expect(seen.map(\.kind) == [.shareCreated, .shareRemoved])
            #expect(seen.allSatisfy { $0.userID == bob.id && $0.ownerID == alice.id && $0.deviceID == device.id })
            if case let .shared(access, scripting, expiresAt) = seen[0].grant {
                #expect(access.mode == .ports && access.ports == [22] && scripting && expiresAt == nil)
            } else {
                Issue.record("the share is not a shared grant: \(seen[0].grant)")
            }
            #expect(seen[1].grant == .none)
            #expect(through == seen[1].revision)

            // Each account's view from the start: alice and bob see both, a stranger nothing.
            for (client, count) in [(aliceClient, 2), (bobClient, 2), (strangerClient, 0)] {
                var changes: [AccessChange] = []
                for try await batch in client.watchAccessChanges(after: start, options: .timeout(.seconds(20))) {
                    changes += batch.changes
                    if batch.throughRevision >= through { break }
                }
                #expect(changes.count == count)
            }
            // Resumed after the share: only the revoke.
            var resumed: [AccessChange.Kind] = []
            for try await batch in bobClient.watchAccessChanges(
                after: seen[0].revision, options: .timeout(.seconds(20)))
            {
                resumed += batch.changes.map(\.kind)
                if batch.throughRevision >= through { break }
            }
            #expect(resumed == [.shareRemoved])

            do throws(SharewireError) {
                for try await _ in bobClient.watchAccessChanges(after: Revision(through.rawValue + 1000)) {}
                Issue.record("a cursor the server has not written must fail")
            } catch {
                #expect(error.code == .outOfRange && error.reason == .accessCursorUnknown)
            }
        }
    }
}
