import Foundation
import Testing

@testable import SharingDomain

/// Named API keys (docs/DOMAIN.md, "API keys"): create, list, revoke, the
/// limits, and authentication following revocation at once.
@Suite struct APIKeyTests {
    /// Creates a key for `account` and returns its record and the key itself.
    static func key(_ w: inout World, _ account: AccountID, _ name: String) throws(SharingError) -> (
        APIKeyRecord, String
    ) {
        let secret = APIKey.generate()
        let applied = try w.run(.createAPIKey(name: name, hash: APIKey.hash(secret)), as: account)
        guard case let .apiKey(record) = applied.outcome else { fatalError("no key") }
        return (record, secret)
    }

    @Test func anAccountStartsWithItsDefaultKeyAndAddsNamedOnes() throws {
        var w = World()
        let secret = APIKey.generate()
        let applied = try w.run(
            .createAccount(email: "a@example.com", language: .en, apiKeyHash: APIKey.hash(secret)), as: nil)
        guard case let .account(alice) = applied.outcome else { fatalError() }
        // The first key comes with the account; account.created stands for it.
        #expect(w.lastChanges.events.map(\.kind) == [.accountCreated])
        #expect(try w.state.listAPIKeys(alice.id).map(\.name) == [APIKeyRecord.defaultName])
        #expect(w.state.authenticate(apiKey: secret) == alice.id)

        let (laptop, laptopSecret) = try Self.key(&w, alice.id, "laptop")
        #expect(laptop.account == alice.id && laptop.name == "laptop")
        #expect(w.lastChanges.events.map(\.kind) == [.apiKeyCreated])
        #expect(w.lastChanges.events.first?.detail == "key=\(laptop.id) name=laptop")
        #expect(w.lastChanges.mutations == [.putAPIKey(laptop)])
        #expect(w.state.authenticateKey(laptopSecret) == laptop)
        #expect(try w.state.listAPIKeys(alice.id).map(\.name) == ["default", "laptop"])
        // The secret itself is nowhere in the state or the changes: only its digest.
        #expect(!"\(w.lastChanges)".contains(laptopSecret))
    }

    @Test func aRevokedKeyStopsAuthenticatingAndTheOthersKeepWorking() throws {
        var w = World()
        let alice = w.account("a@example.com")
        let (ci, ciSecret) = try Self.key(&w, alice, "ci")
        let (_, laptopSecret) = try Self.key(&w, alice, "laptop")
        try w.run(.revokeAPIKey(ci.id), as: alice)
        #expect(w.lastChanges.mutations == [.deleteAPIKey(ci.id)])
        #expect(w.lastChanges.events.map(\.kind) == [.apiKeyRevoked])
        #expect(w.lastChanges.events.first?.detail == "key=\(ci.id) name=ci")
        #expect(w.state.authenticateKey(ciSecret) == nil)
        #expect(w.state.apiKey(ci.id) == nil)
        #expect(w.state.authenticate(apiKey: laptopSecret) == alice)
        // Revoking it again: it is gone.
        expectFailure(.apiKeyNotFound, subject: ci.id.external, field: .keyId) { () throws(SharingError) in
            try w.run(.revokeAPIKey(ci.id), as: alice)
        }
        // A name is free again once its key is revoked.
        _ = try Self.key(&w, alice, "ci")
    }

    /// BOLA: another account's key id answers "not found", exactly like an unknown id.
    @Test func anotherAccountsKeyCannotBeRevokedOrSeen() throws {
        var w = World()
        let alice = w.account("a@example.com")
        let mallory = w.account("m@example.com")
        let (key, secret) = try Self.key(&w, alice, "ci")
        expectFailure(.apiKeyNotFound, subject: key.id.external, field: .keyId) { () throws(SharingError) in
            try w.run(.revokeAPIKey(key.id), as: mallory)
        }
        expectFailure(.apiKeyNotFound, subject: "key_999", field: .keyId) { () throws(SharingError) in
            try w.run(.revokeAPIKey(APIKeyID(raw: 999)), as: mallory)
        }
        #expect(try w.state.listAPIKeys(mallory).map(\.name) == ["default"])
        #expect(w.state.authenticate(apiKey: secret) == alice)
    }

    @Test func namesAreValidatedAndUniquePerAccount() throws {
        var w = World()
        let alice = w.account("a@example.com")
        let bob = w.account("b@example.com")
        _ = try Self.key(&w, alice, "ci")
        expectFailure(.apiKeyNameInUse, subject: "ci", field: .name) { () throws(SharingError) in
            _ = try Self.key(&w, alice, "ci")
        }
        expectFailure(.apiKeyNameInUse, subject: "default", field: .name) { () throws(SharingError) in
            _ = try Self.key(&w, alice, "default")
        }
        _ = try Self.key(&w, bob, "ci")  // another account's names are its own
        expectFailure(.invalidArgument, field: .name) { () throws(SharingError) in _ = try Self.key(&w, alice, "") }
        expectFailure(.invalidArgument, field: .name) { () throws(SharingError) in _ = try Self.key(&w, alice, "a\nb") }
        let longest = String(repeating: "k", count: w.state.limits.maxNameLength)
        _ = try Self.key(&w, alice, longest)
        expectFailure(.stringTooLong, field: .name) { () throws(SharingError) in
            _ = try Self.key(&w, alice, longest + "k")
        }
    }

    @Test func theKeyCountIsLimitedPerAccount() throws {
        var limits = Limits()
        limits.maxAPIKeysPerAccount = 3
        var w = World(limits: limits)
        let alice = w.account("a@example.com")  // key 1 of 3: default
        _ = try Self.key(&w, alice, "two")
        let (three, _) = try Self.key(&w, alice, "three")  // at the maximum
        expectFailure(.limitExceeded, field: .name) { () throws(SharingError) in _ = try Self.key(&w, alice, "four") }
        try w.run(.revokeAPIKey(three.id), as: alice)
        _ = try Self.key(&w, alice, "four")  // room again
    }

    @Test func keysSurviveARestoreAndAChangeLogReplay() throws {
        var w = World()
        let alice = w.account("a@example.com")
        let base = w.state
        let (ci, ciSecret) = try Self.key(&w, alice, "ci")
        let created = w.lastChanges
        try w.run(.revokeAPIKey(APIKeyID(raw: 1)), as: alice)  // the default key
        let revoked = w.lastChanges

        var replayed = base
        for (revision, changes) in [(base.revision + 1, created), (base.revision + 2, revoked)] {
            var counters = base.counters
            counters.apiKey = 2
            counters.event = w.state.counters.event
            replayed = try replayed.replaying(
                ChangeLogEntry(
                    firstRevision: revision, revision: revision,
                    counters: counters, mutations: changes.mutations))
        }
        #expect(replayed.authenticateKey(ciSecret) == ci)
        #expect(replayed.apiKey(APIKeyID(raw: 1)) == nil)

        let restored = try SharingState.restore(
            revision: w.state.revision, counters: w.state.counters,
            accounts: [try w.state.whoami(alice)], apiKeys: [ci],
            contacts: [], devices: [], shares: [])
        #expect(restored.authenticateKey(ciSecret) == ci)
        #expect(try restored.listAPIKeys(alice) == [ci])
        // A key of an unknown account, or two keys with one digest, is refused.
        #expect(throws: SharingError.self) {
            try SharingState.restore(
                revision: 1, counters: IDCounters(), accounts: [], apiKeys: [ci],
                contacts: [], devices: [], shares: [])
        }
        let twin = APIKeyRecord(
            id: APIKeyID(raw: 9), account: alice, name: "twin", hash: ci.hash, createdAt: ci.createdAt)
        #expect(throws: SharingError.self) {
            try SharingState.restore(
                revision: 1, counters: IDCounters(), accounts: [try w.state.whoami(alice)],
                apiKeys: [ci, twin], contacts: [], devices: [], shares: [])
        }
    }

    /// Change-log entries written before named keys have no `apiKey` counter.
    @Test func countersFromBeforeNamedKeysDecode() throws {
        let json = #"{"account":3,"contact":1,"device":2,"service":4,"event":9,"notification":5}"#
        let counters = try JSONDecoder().decode(IDCounters.self, from: Data(json.utf8))
        #expect(counters.account == 3 && counters.notification == 5 && counters.apiKey == 0)
    }

    /// Deleting an account ends every key it held, the named ones too.
    @Test func deletingTheAccountEndsAllItsKeys() throws {
        var w = World()
        let secret = APIKey.generate()
        let applied = try w.run(
            .createAccount(email: "a@example.com", language: .en, apiKeyHash: APIKey.hash(secret)), as: nil)
        guard case let .account(alice) = applied.outcome else { fatalError() }
        let (ci, ciSecret) = try Self.key(&w, alice.id, "ci")
        let bob = w.account("b@example.com")
        let (_, bobSecret) = try Self.key(&w, bob, "ci")
        let before = w.state
        try w.run(.deleteAccount(confirmEmail: "a@example.com"), as: alice.id)
        #expect(w.state.authenticate(apiKey: secret) == nil)
        #expect(w.state.authenticateKey(ciSecret) == nil && w.state.apiKey(ci.id) == nil)
        #expect(w.state.authenticate(apiKey: bobSecret) == bob)
        // Replayed from the change log (on another instance), the keys go too.
        let replayed = try before.replaying(
            ChangeLogEntry(
                firstRevision: before.revision + 1, revision: w.state.revision,
                counters: w.state.counters, mutations: w.lastChanges.mutations))
        #expect(replayed.authenticate(apiKey: secret) == nil && replayed.authenticateKey(ciSecret) == nil)
        #expect(replayed.authenticate(apiKey: bobSecret) == bob)
    }
}
