import Foundation
import SharewireTestSupport
import SharingDomain
import Testing

@testable import SharingPostgres
@testable import SharingSQL

private func t(_ ms: Int64) -> Timestamp { Timestamp(millisecondsSinceEpoch: ms) }

/// The change log's binary body (``ChangeLogCodec``), the JSON bodies
/// written before it, and the PostgreSQL array literals the bulk statements
/// bind (docs/SERVER.md §11, "The change log").
@Suite struct ChangeLogCodecTests {
    /// One mutation of every kind, optionals both set and unset, extreme
    /// integers, text that needs escaping in JSON or SQL.
    static let entry = ChangeLogEntry(
        firstRevision: 41, revision: 52,
        counters: {
            var c = IDCounters()
            c.account = 3
            c.contact = 300
            c.device = .max
            c.service = 1 << 35
            c.event = 9
            c.notification = 0
            c.apiKey = 7
            return c
        }(),
        mutations: [
            .putAccount(
                Account(id: AccountID(raw: 1), email: Email(trusted: "a@example.com"), language: .ja, createdAt: t(-5))),
            .putContact(
                Contact(
                    id: ContactID(raw: 2), owner: AccountID(raw: 1), email: Email(trusted: "b@example.com"),
                    firstName: "Zoë \"Z\" \\", lastName: nil, company: "株式会社", language: .en, invitedAt: t(10),
                    createdAt: t(0), updatedAt: t(.max))),
            .putContact(
                Contact(
                    id: ContactID(raw: 3), owner: AccountID(raw: 1), email: Email(trusted: "c@example.com"),
                    createdAt: t(.min), updatedAt: t(1))),
            .deleteContact(ContactID(raw: 3)),
            .putDevice(
                Device(
                    id: DeviceID(raw: UInt64.max), owner: AccountID(raw: 1), name: "pi, {NULL}",
                    services: [
                        Service(id: ServiceID(raw: 8), name: "ssh", port: 22, protocol: "tcp"),
                        Service(id: ServiceID(raw: 9), name: "", port: 65535, protocol: "udp"),
                    ], createdAt: t(1_700_000_000_000), updatedAt: t(1_700_000_000_001))),
            .putService(DeviceID(raw: 4), Service(id: ServiceID(raw: 10), name: "web", port: 1, protocol: "tcp")),
            .deleteService(ServiceID(raw: 10)),
            .putShare(
                Share(
                    device: DeviceID(raw: 4), user: AccountID(raw: 2),
                    access: ShareAccess(
                        mode: .ports, services: [ServiceID(raw: 9), ServiceID(raw: 8)], scripting: true),
                    createdAt: t(5), updatedAt: t(6), expiresAt: t(7), acceptBy: nil)),
            .putShare(
                Share(
                    device: DeviceID(raw: 5), user: AccountID(raw: 2),
                    access: ShareAccess(mode: .all, services: [], scripting: false), createdAt: t(5), updatedAt: t(6),
                    expiresAt: nil, acceptBy: t(99))),
            .deleteShare(ShareKey(device: DeviceID(raw: 5), user: AccountID(raw: 2))),
            .putAPIKey(
                APIKeyRecord(
                    id: APIKeyID(raw: 6), account: AccountID(raw: 1), name: "ci",
                    hash: APIKeyHash(bytes: Array(0..<32))!, createdAt: t(8))),
            .deleteAPIKey(APIKeyID(raw: 6)),
            .deleteDevice(DeviceID(raw: 4)),
            .deleteAccount(AccountID(raw: 2)),
        ])

    @Test func everyMutationRoundTrips() throws {
        let body = try SharingSQL.changeLogBody(Self.entry, batchToken: "0123abcd")
        #expect(body.hasPrefix("b1:"))
        #expect(try SharingSQL.changeLogEntry(body: body) == Self.entry)
        // The token tells two otherwise identical bodies apart.
        #expect(try SharingSQL.changeLogBody(Self.entry, batchToken: "other") != body)
        let empty = ChangeLogEntry(firstRevision: 1, revision: 1, counters: IDCounters(), mutations: [])
        #expect(try SharingSQL.changeLogEntry(body: try SharingSQL.changeLogBody(empty, batchToken: "")) == empty)
    }

    /// Entries written by the previous release (JSON) are still read.
    @Test func jsonBodiesOfThePreviousFormatAreRead() throws {
        let json = try SharingSQL.legacyJSONChangeLogBody(Self.entry, batchToken: "0123abcd")
        #expect(json.hasPrefix("{") && json.contains("\"batch\":\"0123abcd\""))
        #expect(try SharingSQL.changeLogEntry(body: json) == Self.entry)
    }

    /// Every cut of a body, and damaged bytes, fail with a typed error (never a trap).
    @Test func damagedBodiesAreRefused() throws {
        let body = try SharingSQL.changeLogBody(Self.entry, batchToken: "t")
        let bytes = [UInt8](Data(base64Encoded: String(body.dropFirst(3)))!)
        for cut in 0..<bytes.count {
            let truncated = "b1:" + Data(bytes[0..<cut]).base64EncodedString()
            #expect(throws: StoredValueError.self) { _ = try SharingSQL.changeLogEntry(body: truncated) }
        }
        #expect(throws: StoredValueError.self) {
            _ = try SharingSQL.changeLogEntry(body: "b1:" + Data(bytes + [0]).base64EncodedString())
        }
        #expect(throws: StoredValueError.self) { _ = try SharingSQL.changeLogEntry(body: "b1:***") }
        #expect(throws: StoredValueError.self) { _ = try SharingSQL.changeLogEntry(body: "not a body") }
    }

    /// The array literals the bulk statements bind, read back by PostgreSQL
    /// itself through `UNNEST`: every value arrives as it was sent.
    @Test func arrayLiteralsRoundTripThroughPostgres() async throws {
        try await withStore(.postgres) { slot in
            let store = try await slot.open() as! PostgresSharingStore
            let texts = ["", "NULL", "a,b", "{x}", "say \"hi\"", "back\\slash", " spaced ", "日本語", "\\\""]
            let ints: [SQLValue] = texts.indices.map { .int([Int64.min, -1, 0, 1, .max][$0 % 5]) }
            let bools: [SQLValue] = texts.indices.map { .bool($0 % 2 == 0) }
            var nullable: [SQLValue] = ints
            nullable[2] = .null
            let rows = try await store.client.withConnection { c in
                try await c.fetch(
                    SQLStatement(
                        "SELECT * FROM UNNEST(?::text[], ?::bigint[], ?::boolean[], ?::bigint[])",
                        [
                            .text(SQLArrayLiteral.make(texts.map(SQLValue.text))), .text(SQLArrayLiteral.make(ints)),
                            .text(SQLArrayLiteral.make(bools)), .text(SQLArrayLiteral.make(nullable)),
                        ]), logger: store.logger
                ) { row in
                    [SQLValue.text(try row.text(0)), .int(try row.int(1)), .bool(try row.bool(2))]
                        + [try row.optionalInt(3).map(SQLValue.int) ?? .null]
                }
            }
            #expect(rows.map { $0[0] } == texts.map(SQLValue.text))
            #expect(rows.map { $0[1] } == ints)
            #expect(rows.map { $0[2] } == bools)
            #expect(rows.map { $0[3] } == nullable)
            try await store.close()
        }
    }

    /// A log holding entries of both forms (an upgrade with entries of the
    /// previous release still in it) is replayed by an instance behind.
    @Test func aLogOfBothFormsIsReplayed() async throws {
        try await withStore(.postgres) { slot in
            let store = try await slot.open() as! PostgresSharingStore
            let writer = try await SharingWriter.open(persistence: store)
            let start = try await store.loadState(limits: Limits())
            let (created, _) = try await writer.createAccount(email: "owner@example.com", language: .en)
            guard case let .account(owner) = created.outcome else { throw TestSetupError("no account") }
            for i in 0..<4 {
                _ = try await writer.submit(
                    .registerDevice(name: "d\(i)", services: [ServiceSpec(name: "ssh", port: 22, protocol: "tcp")]),
                    actor: owner.id)
            }
            // Rewrite the older half of the entries as the previous release stored them.
            try await store.client.withConnection { c in
                let bodies = try await c.fetch(
                    SQLStatement("SELECT revision, body FROM change_log ORDER BY revision"), logger: store.logger
                ) { (try $0.int(0), try $0.text(1)) }
                #expect(bodies.count >= 5 && bodies.allSatisfy { $0.1.hasPrefix("b1:") })
                for (revision, body) in bodies.prefix(bodies.count / 2 + 1) {
                    let json = try SharingSQL.legacyJSONChangeLogBody(
                        try SharingSQL.changeLogEntry(body: body), batchToken: "old")
                    try await c.execute(
                        SQLStatement(
                            "UPDATE change_log SET body = ? WHERE revision = ?", [.text(json), .int(revision)]),
                        logger: store.logger)
                }
            }
            let replayed = try await store.catchUp(start)
            let committed = await writer.committedRevision
            #expect(replayed.revision == committed && committed > start.revision)
            #expect(replayed.sameContent(as: try await store.loadState(limits: Limits())))
            try await store.close()
        }
    }
}
