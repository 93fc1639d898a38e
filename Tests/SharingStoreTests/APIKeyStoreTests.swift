import Foundation
import SharingDomain
import SharingSQL
import Testing

/// Named API keys in both stores: the migration from one key per account,
/// keys across a reopen, and the last-used times kept beside the state.
@Suite struct APIKeyStoreTests {
    /// A database from before named keys (one `api_key_hash` per account)
    /// migrates: each account's key is its key `default` (`key_N` for
    /// `acc_N`), still authenticates, and new keys continue the numbering.
    @Test(arguments: StoreKind.allCases) func oneKeyPerAccountBecomesTheDefaultKey(_ kind: StoreKind) async throws {
        try await withStore(kind) { slot in
            let aliceKey = APIKey.generate(), bobKey = APIKey.generate()
            func hex(_ key: String) -> String { APIKey.hash(key).bytes.map { String(format: "%02x", $0) }.joined() }
            let blob = { (key: String) in kind == .sqlite ? "X'\(hex(key))'" : "'\\x\(hex(key))'::bytea" }
            try await slot.createVersion1(
                acknowledged: 0,
                rows: [
                    "INSERT INTO accounts (id, email, language, api_key_hash, created_at) VALUES (1, 'a@example.com', 'en', \(blob(aliceKey)), 1000)",
                    "INSERT INTO accounts (id, email, language, api_key_hash, created_at) VALUES (7, 'b@example.com', 'ja', \(blob(bobKey)), 2000)",
                    // Rows that reference accounts: the migration must keep them valid.
                    "INSERT INTO devices (id, owner_id, name, created_at, updated_at) VALUES (1, 7, 'pi', 2000, 2000)",
                    "INSERT INTO contacts (id, owner_id, email, language, created_at, updated_at) VALUES (1, 1, 'b@example.com', 'ja', 3000, 3000)",
                    "INSERT INTO meta (key, value) VALUES ('revision', 4)",
                    "INSERT INTO meta (key, value) VALUES ('next_account', 7)",
                ])
            let store = try await slot.open()
            let state = try await store.loadState(limits: Limits())
            let alice = try #require(state.authenticateKey(aliceKey))
            #expect(alice.id == APIKeyID(raw: 1) && alice.account == AccountID(raw: 1) && alice.name == "default")
            #expect(alice.createdAt == Timestamp(millisecondsSinceEpoch: 1000))
            #expect(state.authenticate(apiKey: bobKey) == AccountID(raw: 7))
            #expect(state.counters.apiKey == 7)
            #expect(state.deviceCount == 1 && state.contactCount == 1)
            let writer = try await SharingWriter.open(persistence: store)
            let (result, laptopKey) = try await writer.createAPIKey(name: "laptop", actor: AccountID(raw: 1))
            guard case let .apiKey(laptop) = result.outcome else {
                Issue.record("no key")
                return
            }
            #expect(laptop.id == APIKeyID(raw: 8))
            try await store.close()

            let reopened = try await slot.open()
            let again = try await reopened.loadState(limits: Limits())
            #expect(again.authenticateKey(laptopKey) == laptop)
            #expect(try again.listAPIKeys(AccountID(raw: 1)).map(\.name) == ["default", "laptop"])
            try await reopened.close()
        }
    }

    @Test(arguments: StoreKind.allCases) func lastUseMovesForwardOnlyAndEndsWithTheKey(_ kind: StoreKind) async throws {
        try await withStore(kind) { slot in
            let store = try await slot.open()
            let writer = try await SharingWriter.open(persistence: store)
            let (created, _) = try await writer.createAccount(email: "a@example.com", language: .en)
            guard case let .account(alice) = created.outcome else { return }
            let (keyResult, _) = try await writer.createAPIKey(name: "ci", actor: alice.id)
            guard case let .apiKey(ci) = keyResult.outcome else { return }
            let first = APIKeyID(raw: 1)
            #expect(try await store.apiKeyUsage(account: alice.id).isEmpty)

            let t = { (ms: Int64) in Timestamp(millisecondsSinceEpoch: ms) }
            try await store.recordAPIKeyUsage([first: t(5_000), ci.id: t(9_000)])
            try await store.recordAPIKeyUsage([first: t(4_000)])  // older: ignored
            #expect(try await store.apiKeyUsage(account: alice.id) == [first: t(5_000), ci.id: t(9_000)])
            // Usage is not state: a commit of the key (a replayed put) does not reset it.
            _ = try await writer.submit(.revokeAPIKey(ci.id), actor: alice.id)
            try await store.recordAPIKeyUsage([ci.id: t(10_000)])  // a use noted before the revocation
            #expect(try await store.apiKeyUsage(account: alice.id) == [first: t(5_000)])
            try await store.close()
        }
    }
}
