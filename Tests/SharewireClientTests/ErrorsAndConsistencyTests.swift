import Foundation
import SharewireClient
import Testing

/// Typed errors, deadlines and read-your-writes against a real `sharewired`.
@Suite("Client errors, deadlines and consistency end to end")
struct ErrorsAndConsistencyTests {
    /// Runs `body`, which must throw a `SharewireError`, and returns it.
    func failure(_ body: () async throws -> Void) async -> SharewireError? {
        do {
            try await body()
            Issue.record("expected a SharewireError")
            return nil
        } catch let error as SharewireError {
            return error
        } catch {
            Issue.record("not a SharewireError: \(error)")
            return nil
        }
    }

    @Test("a refused share names the offending email in a typed detail")
    func typedDetail() async throws {
        try await LiveServer.with { server in
            let (_, alice) = try await server.account("alice@example.com")
            defer { alice.close() }
            _ = try await server.account("bob@example.com")
            _ = try await alice.createContact(email: "bob@example.com")
            _ = try await alice.createContact(email: "nobody@example.com")
            let device = try await alice.registerDevice(name: "pi")
            let before = alice.revision

            let error = await failure {
                try await alice.share(
                    devices: [device.id], with: ["bob@example.com", "nobody@example.com"],
                    access: .all)
            }
            #expect(error?.code == .failedPrecondition)
            #expect(error?.reason == .contactHasNoAccount)
            #expect(error?.detail?.email == "nobody@example.com")
            #expect(error?.detail?.field == "emails")
            #expect(error?.attempts == 1)
            #expect(error?.description.contains("CONTACT_HAS_NO_ACCOUNT nobody@example.com") == true)
            // All-or-nothing: bob got nothing either.
            #expect(try await alice.shares(of: device.id).collect().isEmpty)
            #expect(alice.revision == before)

            let missing = await failure { _ = try await alice.device("dev_999") }
            #expect(missing?.code == .notFound)
            #expect(missing?.reason == .deviceNotFound)
            #expect(missing?.detail?.id == "dev_999")

            let badID = await failure { _ = try await alice.device("pi") }
            #expect(badID?.reason == .invalidID)
            #expect(badID?.detail?.field == "device_id")

            let limit = await failure { _ = try await alice.listContacts(pageSize: 501) }
            #expect(limit?.reason == .limitExceeded)
            #expect(limit?.detail?.limit == 500)

            let json = try JSONEncoder().encode(try #require(error))
            #expect(try JSONDecoder().decode(SharewireError.self, from: json) == error)
        }
    }

    @Test("credentials: a wrong key, act-as with an API key, account creation with an API key")
    func credentialErrors() async throws {
        try await LiveServer.with { server in
            let stranger = server.client(apiKey: "sw_" + String(repeating: "0", count: 64))
            defer { stranger.close() }
            let unknown = await failure { _ = try await stranger.whoami() }
            #expect(unknown?.code == .unauthenticated)
            #expect(unknown?.detail?.metadata["cause"] == "unknown_key")

            let (_, alice) = try await server.account("alice@example.com")
            defer { alice.close() }
            let notAllowed = await failure { _ = try await alice.createAccount(email: "eve@example.com") }
            #expect(notAllowed?.code == .permissionDenied)
            #expect(notAllowed?.reason == .serviceKeyRequired)

            let admin = server.serviceClient()
            defer { admin.close() }
            let needsAccount = await failure { _ = try await admin.whoami() }
            #expect(needsAccount?.reason == .actAsRequired)
            let noSuchAccount = await failure { _ = try await admin.acting(as: "ghost@example.com").whoami() }
            #expect(noSuchAccount?.code == .unauthenticated)
            #expect(noSuchAccount?.detail?.email == "ghost@example.com")
        }
    }

    @Test("reads ask for the last revision seen: read-your-writes without bookkeeping")
    func readYourWrites() async throws {
        try await LiveServer.with { server in
            let admin = server.serviceClient()
            defer { admin.close() }
            let alice = try await admin.createAccount(email: "alice@example.com")
            let bob = try await admin.createAccount(email: "bob@example.com")
            // A connection broker (service key, no act-as) and the owner share one
            // client: the broker's checks see the owner's revokes at once.
            let owner = admin.acting(as: alice.account.id)
            _ = try await owner.createContact(email: "bob@example.com")
            let device = try await owner.registerDevice(name: "pi", services: [NewService(name: "ssh", port: 22)])
            for round in 0..<20 {
                let share = try await owner.share(devices: [device.id], with: ["bob@example.com"], access: .all)
                #expect(admin.revision >= share.revision)
                #expect(try await admin.check(user: bob.account.id, device: device.id, port: 22), "round \(round)")
                let revoke = try await owner.removeShares(devices: [device.id], from: ["bob@example.com"])
                #expect(admin.revision == revoke.revision)
                #expect(try await !admin.check(user: bob.account.id, device: device.id, port: 22), "round \(round)")
            }

            // Proof that reads send the tracked revision: pretend to have seen
            // a revision the server will not reach; a read then waits for it
            // until its deadline and fails REVISION_NOT_REACHED.
            let ahead = admin.with(credentials: .serviceKey(LiveServer.serviceKey))
            ahead.observe(Revision(admin.revision.rawValue + 1_000))
            let clock = ContinuousClock()
            let started = clock.now
            let waited = await failure {
                _ = try await ahead.check(
                    user: bob.account.id, device: device.id, port: 22,
                    options: .timeout(.milliseconds(300)))
            }
            #expect(waited?.code == .deadlineExceeded)
            #expect(clock.now - started < .seconds(5))
            // The same read without read-your-writes is answered at once.
            #expect(
                try await !ahead.check(
                    user: bob.account.id, device: device.id, port: 22,
                    options: .consistency(.minimizeLatency)))
            // An explicit "at least" revision is honoured too.
            let explicit = await failure {
                _ = try await owner.listDevices(
                    options: CallOptions(
                        timeout: .milliseconds(200), consistency: .atLeast(Revision(owner.revision.rawValue + 500))))
            }
            #expect(explicit?.code == .deadlineExceeded)
        }
    }

    @Test("per-call deadline overrides the default; the default applies otherwise")
    func deadlines() async throws {
        try await LiveServer.with { server in
            let (_, alice) = try await server.account("alice@example.com")
            alice.observe(Revision(alice.revision.rawValue + 1_000))  // every read now waits
            defer { alice.close() }
            // Connected first: a connect is bounded by connectTimeout, not the
            // deadline (docs/CLIENT.md §4), and on a loaded machine (the
            // cluster suites run alongside) it alone took over 3 s.
            try await alice.connect()
            let clock = ContinuousClock()
            var started = clock.now
            let short = await failure { _ = try await alice.whoami(options: .timeout(.milliseconds(100))) }
            #expect(short?.code == .deadlineExceeded)
            #expect(short?.attempts == 1)
            #expect(clock.now - started < .seconds(3))

            var configuration = alice.configuration
            configuration.defaultTimeout = .milliseconds(150)
            let impatient = SharewireClient(configuration: configuration)
            defer { impatient.close() }
            impatient.observe(Revision(1_000_000))
            try await impatient.connect()
            started = clock.now
            let byDefault = await failure { _ = try await impatient.whoami() }
            #expect(byDefault?.code == .deadlineExceeded)
            // Well under what the wait would be without the default (none: it
            // waits for a revision that never comes); generous for a loaded machine.
            #expect(clock.now - started < .seconds(10))
        }
    }
}
