import Foundation
import SharewireMessages
import SharewireRPC
import SharewireServer
import SharewireTestSupport
import SharingDomain
import Synchronization
import Testing

@Suite(.timeLimit(.minutes(1)))
struct AuthenticatorTests {
    static let serviceSecret = "test-service-key-0123456789abcdef-0123456789"

    /// A backend with two accounts; returns their keys.
    static func backendWithAccounts() async throws -> (
        SharingBackend, TempDirectory, alice: (AccountID, String), bob: (AccountID, String)
    ) {
        let dir = try TempDirectory()
        let backend = try await SharingBackend.open(directory: dir.path)
        let (a, aliceKey) = try await backend.writer.createAccount(email: "alice@example.com", language: .en)
        let (b, bobKey) = try await backend.writer.createAccount(email: "bob@example.com", language: .ja)
        guard case let .account(alice) = a.outcome, case let .account(bob) = b.outcome else {
            Issue.record("unexpected outcomes")
            throw CancellationError()
        }
        return (backend, dir, (alice.id, aliceKey), (bob.id, bobKey))
    }

    static func bearer(_ key: String, actAs: String? = nil) -> Metadata {
        var metadata = [MetadataEntry(key: "authorization", value: "Bearer \(key)")]
        if let actAs { metadata.append(MetadataEntry(key: Authenticator.actAsKey, value: actAs)) }
        return metadata
    }

    func expectError(
        _ code: StatusCode, reason: String, _ body: () throws(RPCError) -> Void,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        do {
            try body()
            Issue.record("expected \(code)", sourceLocation: sourceLocation)
        } catch {
            #expect(error.code == code, sourceLocation: sourceLocation)
            #expect(error.details.first?.reason == reason, sourceLocation: sourceLocation)
        }
    }

    @Test func accountKeysIdentifyTheirAccount() async throws {
        let (backend, dir, alice, bob) = try await Self.backendWithAccounts()
        defer { dir.remove() }
        let auth = Authenticator(serviceKey: try ServiceKey(secret: Self.serviceSecret))
        let snapshot = backend.snapshots.latest()
        // With no other keys created, the n-th account's `default` key is key_n.
        #expect(
            try auth.caller(Self.bearer(alice.1), in: snapshot)
                == Caller(account: alice.0, credential: .accountKey(APIKeyID(raw: alice.0.raw))))
        #expect(
            try auth.caller(Self.bearer(bob.1), in: snapshot)
                == Caller(account: bob.0, credential: .accountKey(APIKeyID(raw: bob.0.raw))))
        try await backend.shutdown()
    }

    /// A key's use is noted once per minute of the snapshot's clock, whether
    /// the cache answers (it keeps the minute in its entry) or not.
    @Test(arguments: [0, 16]) func usesAreNotedOncePerMinute(cacheCapacity: Int) async throws {
        final class ManualTime: Sendable {
            let ms = Mutex<Int64>(1_700_000_040_000)  // the start of a minute
            var now: Timestamp { Timestamp(millisecondsSinceEpoch: ms.withLock { $0 }) }
        }
        let time = ManualTime()
        let dir = try TempDirectory()
        defer { dir.remove() }
        let backend = try await SharingBackend.open(directory: dir.path, clock: { time.now })
        let (created, key) = try await backend.writer.createAccount(email: "alice@example.com", language: .en)
        guard case let .account(alice) = created.outcome else { throw CancellationError() }
        let auth = Authenticator(
            serviceKeys: ServiceKeyRing(current: nil), cacheCapacity: cacheCapacity,
            usage: backend.keyUsage)
        func use(at ms: Int64) async throws -> Int64? {
            time.ms.withLock { $0 = ms }
            for _ in 0..<3 { _ = try auth.caller(Self.bearer(key), in: backend.snapshots.latest()) }
            await backend.keyUsage.flush()
            return try await backend.store.apiKeyUsage(account: alice.id).values.first?.millisecondsSinceEpoch
        }
        let t0: Int64 = 1_700_000_040_000
        #expect(try await use(at: t0) == t0)
        #expect(try await use(at: t0 + 30_000) == t0)  // the same minute: not noted again
        #expect(try await use(at: t0 + 61_000) == t0 + 61_000)
        try await backend.shutdown()
    }

    @Test func cachedKeysStayCorrectAcrossEvictionAndSnapshots() async throws {
        let (backend, dir, alice, bob) = try await Self.backendWithAccounts()
        defer { dir.remove() }
        let snapshot = backend.snapshots.latest()
        for capacity in [1, 2, 4096] {
            let auth = Authenticator(serviceKey: nil, cacheCapacity: capacity)
            for _ in 0..<3 {
                #expect(try auth.caller(Self.bearer(alice.1), in: snapshot).account == alice.0)
                #expect(try auth.caller(Self.bearer(bob.1), in: snapshot).account == bob.0)
            }
            // A key differing in one digit from a cached one is not a hit.
            let wrong = String(alice.1.dropLast()) + (alice.1.hasSuffix("0") ? "1" : "0")
            expectError(.unauthenticated, reason: "UNAUTHENTICATED") { () throws(RPCError) in
                _ = try auth.caller(Self.bearer(wrong), in: snapshot)
            }
            // A cached key is checked against the snapshot it is used with: in
            // one without the account it no longer authenticates.
            let empty = SharingSnapshots(SharingState()).latest()
            expectError(.unauthenticated, reason: "UNAUTHENTICATED") { () throws(RPCError) in
                _ = try auth.caller(Self.bearer(alice.1), in: empty)
            }
        }
        try await backend.shutdown()
    }

    @Test func missingMalformedAndUnknownCredentialsAreUnauthenticated() async throws {
        let (backend, dir, alice, _) = try await Self.backendWithAccounts()
        defer { dir.remove() }
        let auth = Authenticator(serviceKey: try ServiceKey(secret: Self.serviceSecret))
        let snapshot = backend.snapshots.latest()
        expectError(.unauthenticated, reason: "UNAUTHENTICATED") { () throws(RPCError) in
            _ = try auth.caller([], in: snapshot)
        }
        expectError(.unauthenticated, reason: "UNAUTHENTICATED") { () throws(RPCError) in
            _ = try auth.caller([MetadataEntry(key: "authorization", value: "Basic \(alice.1)")], in: snapshot)
        }
        // The prefix is compared as bytes: no space, other case, a non-ASCII key.
        for value in ["Bearer ", "Bearer", "bearer \(alice.1)", "Bearer\u{00A0}\(alice.1)", "Bearer é\(alice.1)"] {
            expectError(.unauthenticated, reason: "UNAUTHENTICATED") { () throws(RPCError) in
                _ = try auth.caller([MetadataEntry(key: "authorization", value: value)], in: snapshot)
            }
        }
        // Right shape, wrong key: flip the last hex digit.
        let wrong = String(alice.1.dropLast()) + (alice.1.hasSuffix("0") ? "1" : "0")
        expectError(.unauthenticated, reason: "UNAUTHENTICATED") { () throws(RPCError) in
            _ = try auth.caller(Self.bearer(wrong), in: snapshot)
        }
        // The header key is exact (lower case on the wire).
        expectError(.unauthenticated, reason: "UNAUTHENTICATED") { () throws(RPCError) in
            _ = try auth.caller([MetadataEntry(key: "Authorization", value: "Bearer \(alice.1)")], in: snapshot)
        }
        try await backend.shutdown()
    }

    @Test func serviceKeyActsForAnAccountByIdOrEmail() async throws {
        let (backend, dir, alice, bob) = try await Self.backendWithAccounts()
        defer { dir.remove() }
        let auth = Authenticator(serviceKey: try ServiceKey(secret: Self.serviceSecret))
        let snapshot = backend.snapshots.latest()
        #expect(
            try auth.caller(Self.bearer(Self.serviceSecret, actAs: alice.0.external), in: snapshot)
                == Caller(account: alice.0, credential: .serviceKey))
        #expect(
            try auth.caller(Self.bearer(Self.serviceSecret, actAs: " BOB@Example.com "), in: snapshot)
                == Caller(account: bob.0, credential: .serviceKey))
        expectError(.invalidArgument, reason: "ACT_AS_REQUIRED") { () throws(RPCError) in
            _ = try auth.caller(Self.bearer(Self.serviceSecret), in: snapshot)
        }
        expectError(.unauthenticated, reason: "UNAUTHENTICATED") { () throws(RPCError) in
            _ = try auth.caller(Self.bearer(Self.serviceSecret, actAs: "acc_999"), in: snapshot)
        }
        expectError(.unauthenticated, reason: "UNAUTHENTICATED") { () throws(RPCError) in
            _ = try auth.caller(Self.bearer(Self.serviceSecret, actAs: "nobody@example.com"), in: snapshot)
        }
        // An account key may not act for anyone, not even to name another account.
        expectError(.permissionDenied, reason: "SERVICE_KEY_REQUIRED") { () throws(RPCError) in
            _ = try auth.caller(Self.bearer(alice.1, actAs: bob.0.external), in: snapshot)
        }
        // Without a configured service key, the secret is just an unknown key.
        expectError(.unauthenticated, reason: "UNAUTHENTICATED") { () throws(RPCError) in
            _ = try Authenticator(serviceKey: nil).caller(
                Self.bearer(Self.serviceSecret, actAs: alice.0.external), in: snapshot)
        }
        try await backend.shutdown()
    }

    @Test func serviceKeyOnlyActions() async throws {
        let (backend, dir, alice, _) = try await Self.backendWithAccounts()
        defer { dir.remove() }
        let auth = Authenticator(serviceKey: try ServiceKey(secret: Self.serviceSecret))
        let snapshot = backend.snapshots.latest()
        try auth.requireServiceKey(Self.bearer(Self.serviceSecret), in: snapshot, action: "account creation")
        expectError(.permissionDenied, reason: "SERVICE_KEY_REQUIRED") { () throws(RPCError) in
            try auth.requireServiceKey(Self.bearer(alice.1), in: snapshot, action: "account creation")
        }
        expectError(.unauthenticated, reason: "UNAUTHENTICATED") { () throws(RPCError) in
            try auth.requireServiceKey(Self.bearer("not-the-key"), in: snapshot, action: "account creation")
        }
        expectError(.failedPrecondition, reason: "SERVICE_KEY_NOT_CONFIGURED") { () throws(RPCError) in
            try Authenticator(serviceKey: nil).requireServiceKey(
                Self.bearer(Self.serviceSecret), in: snapshot,
                action: "account creation")
        }
        try await backend.shutdown()
    }
}

@Suite struct ServiceKeyTests {
    @Test func shortOrSpacedKeysAreRefused() {
        #expect(throws: ServiceKey.InvalidKey.self) { try ServiceKey(secret: "short") }
        #expect(throws: ServiceKey.InvalidKey.self) {
            try ServiceKey(secret: String(repeating: "a", count: 20) + " " + String(repeating: "b", count: 20))
        }
        #expect(throws: ServiceKey.InvalidKey.self) { try ServiceKey(secret: String(repeating: "k", count: 2000)) }
    }

    @Test func matchesOnlyItself() throws {
        let key = try ServiceKey(secret: "  \(AuthenticatorTests.serviceSecret)\n")
        #expect(key.matches(AuthenticatorTests.serviceSecret))
        #expect(!key.matches(AuthenticatorTests.serviceSecret + "x"))
        #expect(!key.matches(""))
    }

    @Test func fileBeatsEnvironmentAndNothingMeansNil() throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let path = dir.file("service.key")
        try (AuthenticatorTests.serviceSecret + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        let env = [ServiceKey.environmentVariable: "env-key-env-key-env-key-env-key-env-key"]
        let fromFile = try #require(try ServiceKey.load(file: path, environment: env))
        #expect(fromFile.1 == .file(path))
        #expect(fromFile.0.matches(AuthenticatorTests.serviceSecret))
        let fromEnv = try #require(try ServiceKey.load(file: nil, environment: env))
        #expect(fromEnv.1 == .environment(ServiceKey.environmentVariable))
        #expect(fromEnv.0.matches("env-key-env-key-env-key-env-key-env-key"))
        #expect(try ServiceKey.load(file: nil, environment: [:]) == nil)
        #expect(try ServiceKey.load(file: nil, environment: [ServiceKey.environmentVariable: "  "]) == nil)
        #expect(throws: ServiceKey.InvalidKey.self) { try ServiceKey.load(file: dir.file("missing"), environment: env) }
    }
}
