import Foundation
import SharewireClient
import SharewireTestSupport
import Testing

/// Named API keys and service-key rotation end to end, through the client
/// against a real `sharewired` (docs/SERVER.md, "API keys" and "Rotating the
/// service key").
@Suite("API keys and service-key rotation end to end", .timeLimit(.minutes(3)))
struct APIKeysTests {
    static func expectCode(
        _ code: SharewireError.Code, reason: SharewireError.Reason? = nil,
        sourceLocation: SourceLocation = #_sourceLocation,
        _ body: () async throws -> Void
    ) async {
        do {
            try await body()
            Issue.record("expected \(code)", sourceLocation: sourceLocation)
        } catch let error as SharewireError {
            #expect(error.code == code, "\(error)", sourceLocation: sourceLocation)
            if let reason { #expect(error.reason == reason, "\(error)", sourceLocation: sourceLocation) }
        } catch {
            Issue.record("expected a SharewireError, got \(error)", sourceLocation: sourceLocation)
        }
    }

    @Test("create, list with last use, revoke on an open connection, and the events")
    func createListRevoke() async throws {
        try await LiveServer.with { server in
            let (alice, aliceClient) = try await server.account("alice@example.com")
            let (_, bobClient) = try await server.account("bob@example.com")
            defer {
                aliceClient.close()
                bobClient.close()
            }

            let created = try await aliceClient.createAPIKey(name: "ci")
            #expect(created.key.name == "ci" && created.key.lastUsedAt == nil)
            #expect(created.apiKey.hasPrefix("sw_") && created.apiKey.count == 67)
            let ci = server.client(apiKey: created.apiKey)
            defer { ci.close() }
            #expect(try await ci.whoami() == alice)  // the connection is now open

            let keys = try await aliceClient.apiKeys()
            #expect(keys.map(\.name) == ["default", "ci"])
            // Both were used just now (the default key for these calls): noted to the minute.
            for key in keys {
                let used = try #require(key.lastUsedAt, "\(key)")
                #expect(abs(used.timeIntervalSinceNow) < 120)
            }
            await Self.expectCode(.alreadyExists, reason: .apiKeyNameInUse) {
                _ = try await aliceClient.createAPIKey(name: "ci")
            }
            // BOLA: Bob cannot revoke (or tell apart) Alice's key.
            await Self.expectCode(.notFound, reason: .apiKeyNotFound) {
                try await bobClient.revokeAPIKey(created.key.id)
            }
            #expect(try await ci.whoami() == alice)

            let revoked = try await aliceClient.revokeAPIKey(created.key.id)
            #expect(revoked.id == created.key.id)
            // The revoked key fails on its already-open connection, at its next call.
            await Self.expectCode(.unauthenticated) { _ = try await ci.whoami() }
            #expect(try await aliceClient.apiKeys().map(\.name) == ["default"])
            await Self.expectCode(.notFound, reason: .apiKeyNotFound) {
                try await aliceClient.revokeAPIKey(created.key.id)
            }
            await Self.expectCode(.invalidArgument) { try await aliceClient.revokeAPIKey("dev_1") }

            let kinds = try await aliceClient.events().collect().map(\.kind)
            #expect(kinds.filter { $0 == .apiKeyCreated || $0 == .apiKeyRevoked } == [.apiKeyCreated, .apiKeyRevoked])
        }
    }

    @Test("a key may revoke itself; the account keeps its other keys")
    func aKeyRevokesItself() async throws {
        try await LiveServer.with { server in
            let (alice, aliceClient) = try await server.account("alice@example.com")
            defer { aliceClient.close() }
            let laptop = try await aliceClient.createAPIKey(name: "laptop")
            let laptopClient = server.client(apiKey: laptop.apiKey)
            defer { laptopClient.close() }
            try await laptopClient.revokeAPIKey(laptop.key.id)
            await Self.expectCode(.unauthenticated) { _ = try await laptopClient.whoami() }
            #expect(try await aliceClient.whoami() == alice)
        }
    }

    @Test("the last-used time reaches the store and survives a restart")
    func lastUseIsFlushed() async throws {
        let dir = try TempDirectory("sharewire-keys")
        defer { dir.remove() }
        let arguments = ["--data-dir", dir.file("data")]
        let (keyID, secret): (String, String) = try await LiveServer.with(arguments) { server in
            let (_, aliceClient) = try await server.account("alice@example.com")
            defer { aliceClient.close() }
            let created = try await aliceClient.createAPIKey(name: "ci")
            let ci = server.client(apiKey: created.apiKey)
            defer { ci.close() }
            _ = try await ci.whoami()
            return (created.key.id, created.apiKey)
        }  // SIGTERM: the drain flushes the noted uses
        try await LiveServer.with(arguments) { server in
            let ci = server.client(apiKey: secret)
            defer { ci.close() }
            let keys = try await ci.apiKeys()  // this call notes a new use only in memory
            let stored = try #require(keys.first { $0.id == keyID }?.lastUsedAt)
            #expect(abs(stored.timeIntervalSinceNow) < 300)
        }
    }

    static let oldServiceKey = "old-service-key-" + String(repeating: "o", count: 32)
    static let newServiceKey = "new-service-key-" + String(repeating: "n", count: 32)

    /// A server whose current service key is in a file (the old key) beside an
    /// empty next-key file; `body` gets the server and the next-key file.
    static func withRotatingServer(
        reloadCheckSeconds: Int,
        _ body: (LiveServer, _ current: String, _ next: String) async throws -> Void
    ) async throws {
        let dir = try TempDirectory("sharewire-rotation")
        defer { dir.remove() }
        let current = dir.file("service.key"), next = dir.file("next.key")
        try oldServiceKey.write(toFile: current, atomically: true, encoding: .utf8)
        try "".write(toFile: next, atomically: true, encoding: .utf8)  // empty: no next key yet
        try await LiveServer.with([
            "--service-key-file", current, "--next-service-key-file", next,
            "--reload-check-seconds", String(reloadCheckSeconds),
        ]) { server in
            try await body(server, current, next)
        }
    }

    /// A client with a service key of its own (no act-as).
    static func admin(_ key: String, _ server: LiveServer) -> SharewireClient {
        var configuration = SharewireClient.Configuration(
            endpoint: server.endpoint, credentials: .serviceKey(key, actingAs: nil))
        configuration.defaultTimeout = .seconds(20)
        return SharewireClient(configuration: configuration)
    }

    @Test("the service key rotates on SIGHUP: both keys during the rotation, then only the new one")
    func serviceKeyRotation() async throws {
        let (old, new) = (Self.oldServiceKey, Self.newServiceKey)
        // Only SIGHUP reloads here (a file-change reload is tested below).
        try await Self.withRotatingServer(reloadCheckSeconds: 0) { server, current, next in
            let oldAdmin = Self.admin(old, server), newAdmin = Self.admin(new, server)
            defer {
                oldAdmin.close()
                newAdmin.close()
            }
            _ = try await oldAdmin.createAccount(email: "a@example.com")  // opens its connection
            await Self.expectCode(.unauthenticated) { _ = try await newAdmin.createAccount(email: "b@example.com") }

            /// Sends SIGHUP and waits (bounded) until `admin` gets `accepted`.
            func reload(until client: SharewireClient, accepted: Bool, email: String) async throws {
                server.process.child.signal(SIGHUP)
                let deadline = ContinuousClock.now + .seconds(20)
                while ContinuousClock.now < deadline {
                    do {
                        _ = try await client.createAccount(email: email)
                        if accepted { return }
                    } catch  where error.code == .unauthenticated {
                        if !accepted { return }
                    }
                    try await Task.sleep(for: .milliseconds(50))
                }
                Issue.record("the reload did not take effect within 20 s")
            }

            // 1. The new key as the next key: both are accepted.
            try new.write(toFile: next, atomically: true, encoding: .utf8)
            try await reload(until: newAdmin, accepted: true, email: "b@example.com")
            _ = try await oldAdmin.createAccount(email: "c@example.com")
            // 3. The new key made current, the next emptied: the old one fails, on its open connection too.
            try new.write(toFile: current, atomically: true, encoding: .utf8)
            try "".write(toFile: next, atomically: true, encoding: .utf8)
            try await reload(until: oldAdmin, accepted: false, email: "d@example.com")
            _ = try await newAdmin.createAccount(email: "e@example.com")
            // A bad file keeps the keys in use.
            try "short".write(toFile: current, atomically: true, encoding: .utf8)
            server.process.child.signal(SIGHUP)
            let refused = "service key reload failed; keeping the keys in use"
            let deadline = ContinuousClock.now + .seconds(20)
            while !server.process.log.contains(refused), ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect(server.process.log.contains(refused))
            _ = try await newAdmin.createAccount(email: "f@example.com")
        }
    }

    @Test("a changed next-key file is picked up without a signal")
    func serviceKeyFilesAreWatched() async throws {
        try await Self.withRotatingServer(reloadCheckSeconds: 1) { server, _, next in
            let newAdmin = Self.admin(Self.newServiceKey, server)
            defer { newAdmin.close() }
            await Self.expectCode(.unauthenticated) { _ = try await newAdmin.createAccount(email: "a@example.com") }
            try Self.newServiceKey.write(toFile: next, atomically: true, encoding: .utf8)
            let deadline = ContinuousClock.now + .seconds(20)
            var accepted = false
            while !accepted, ContinuousClock.now < deadline {
                accepted = (try? await newAdmin.createAccount(email: "b@example.com")) != nil
                if !accepted { try await Task.sleep(for: .milliseconds(100)) }
            }
            #expect(accepted, "the next key was not loaded within 20 s")
            #expect(server.process.log.contains("changed: \(next)"))
        }
    }
}
