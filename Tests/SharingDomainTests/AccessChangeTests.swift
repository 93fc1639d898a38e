import Testing

@testable import SharingDomain

/// The access-change records every write makes (WatchAccessChanges' source):
/// one per (device, user) whose access changed, with the new access.
@Suite struct AccessChangeTests {
    struct Setup {
        var w = World()
        let a: AccountID
        let b: (email: String, id: AccountID)
        let c: (email: String, id: AccountID)
        let d: Device

        init() {
            a = w.account("a@example.com")
            let people = w.people(a, 2)
            b = people[0]
            c = people[1]
            d = w.device(a)
        }
    }

    func only(_ changes: Changes, sourceLocation: SourceLocation = #_sourceLocation) -> AccessChangeRecord? {
        #expect(changes.accessChanges.count == 1, "\(changes.accessChanges)", sourceLocation: sourceLocation)
        return changes.accessChanges.first
    }

    @Test func shareCreatedUpdatedAndRemoved() throws {
        var s = Setup()
        let ssh = s.d.services[0].id
        try s.w.run(.share(devices: [s.d.id], emails: [s.b.email], access: .ports([ssh]), notify: false), as: s.a)
        var change = try #require(only(s.w.lastChanges))
        #expect(change.kind == .shareCreated && change.device == s.d.id && change.user == s.b.id && change.owner == s.a)
        #expect(change.grant == .shared(.ports([ssh]), expiresAt: nil))
        #expect(change.revision == s.w.state.revision && change.position == 0)

        // Identical access: no write of access, no record.
        try s.w.run(.share(devices: [s.d.id], emails: [s.b.email], access: .ports([ssh]), notify: false), as: s.a)
        #expect(s.w.lastChanges.accessChanges.isEmpty)

        let until = Timestamp(millisecondsSinceEpoch: s.w.now + 60_000)
        try s.w.run(
            .updateShare(
                device: s.d.id, email: s.b.email, access: .all(scripting: true), notify: false,
                expiry: .at(until)), as: s.a)
        change = try #require(only(s.w.lastChanges))
        #expect(change.kind == .shareUpdated && change.grant == .shared(.all(scripting: true), expiresAt: until))

        try s.w.run(.removeShares(devices: [s.d.id], emails: [s.b.email, s.c.email], notify: false), as: s.a)
        change = try #require(only(s.w.lastChanges))  // c had no share: nothing changed for c
        #expect(change.kind == .shareRemoved && change.grant == .none && change.user == s.b.id)
    }

    @Test func leftExpiredServiceRemovedAndContactDeleted() throws {
        var s = Setup()
        let (ssh, web) = (s.d.services[0].id, s.d.services[1].id)
        try s.w.run(.share(devices: [s.d.id], emails: [s.b.email], access: .ports([ssh, web]), notify: false), as: s.a)
        try s.w.run(.removeService(s.d.id, web), as: s.a)
        var change = try #require(only(s.w.lastChanges))
        #expect(change.kind == .serviceRemoved && change.grant == .shared(.ports([ssh]), expiresAt: nil))
        // The last service of a PORTS share: the share is removed, by the service removal.
        try s.w.run(.removeService(s.d.id, ssh), as: s.a)
        change = try #require(only(s.w.lastChanges))
        #expect(change.kind == .serviceRemoved && change.grant == .none)

        try s.w.run(.share(devices: [s.d.id], emails: [s.b.email], access: .all(), notify: false), as: s.a)
        try s.w.run(.leave(devices: [s.d.id]), as: s.b.id)
        change = try #require(only(s.w.lastChanges))
        #expect(change.kind == .shareLeft && change.user == s.b.id && change.owner == s.a && change.grant == .none)

        let soon = Timestamp(millisecondsSinceEpoch: s.w.now + 10)
        try s.w.run(
            .share(devices: [s.d.id], emails: [s.c.email], access: .all(), notify: false, expiresAt: soon), as: s.a)
        let expired = try s.w.state.apply(.expireShares, actor: nil, at: soon)
        change = try #require(only(expired.changes))
        #expect(change.kind == .shareExpired && change.user == s.c.id && change.owner == s.a && change.grant == .none)

        try s.w.run(.share(devices: [s.d.id], emails: [s.b.email], access: .all(), notify: false), as: s.a)
        try s.w.run(.deleteContact(email: s.b.email), as: s.a)
        change = try #require(only(s.w.lastChanges))
        #expect(change.kind == .shareRemoved && change.user == s.b.id && change.grant == .none)
    }

    @Test func transferEndsSharesAndMovesOwnerAccess() throws {
        var s = Setup()
        try s.w.run(.share(devices: [s.d.id], emails: [s.b.email], access: .all(), notify: false), as: s.a)
        try s.w.run(.transfer(devices: [s.d.id], toEmail: s.c.email), as: s.a)
        let changes = s.w.lastChanges.accessChanges
        #expect(changes.map(\.kind) == [.deviceTransferred, .deviceTransferred, .deviceTransferred])
        #expect(changes.map(\.position) == [0, 1, 2])
        // The former recipient's share was the old owner's; the old owner loses it, the new one gains it.
        #expect(changes.map(\.user) == [s.b.id, s.a, s.c.id])
        #expect(changes.map(\.owner) == [s.a, s.c.id, s.c.id])
        #expect(changes.map(\.grant) == [.none, .none, .owner])
        #expect(changes[0].isVisible(to: s.a) && !changes[0].isVisible(to: s.c.id))
    }

    @Test func bulkShareRecordsEveryPairInOrder() throws {
        var s = Setup()
        let d2 = s.w.device(s.a, "two")
        try s.w.run(
            .share(devices: [s.d.id, d2.id], emails: [s.b.email, s.c.email], access: .all(), notify: false), as: s.a)
        let changes = s.w.lastChanges.accessChanges
        #expect(changes.count == 4)
        #expect(changes.map(\.position) == Array(0..<4))
        #expect(Set(changes.map { "\($0.device.raw)-\($0.user.raw)" }).count == 4)
        #expect(changes.allSatisfy { $0.kind == .shareCreated && $0.revision == s.w.state.revision })
    }

    @Test func writesThatChangeNoAccessRecordNothing() throws {
        var s = Setup()
        try s.w.run(.renameDevice(s.d.id, name: "renamed"), as: s.a)
        #expect(s.w.lastChanges.accessChanges.isEmpty)
        try s.w.run(.addService(s.d.id, ServiceSpec(name: "x", port: 8080, protocol: "tcp")), as: s.a)
        #expect(s.w.lastChanges.accessChanges.isEmpty)
        try s.w.run(.createContact(email: "z@example.com", fields: ContactFields()), as: s.a)
        #expect(s.w.lastChanges.accessChanges.isEmpty)
    }
}
