import Foundation
import Testing

@testable import SharingDomain

/// Replaying change-log entries (what another instance does) ends in the
/// state the writer's rules produced, for every kind of write.
@Suite struct ChangeLogTests {
    /// A writer's world and a replica that only replays its entries.
    struct Pair {
        var w = World()
        var replica = SharingState()
        var pending = Changes()
        var pendingBase: UInt64 = 0

        /// Runs a write on the writer; its changes join the pending batch.
        mutating func run(_ command: SharingCommand, as actor: AccountID?) throws {
            if pending.isEmpty { pendingBase = w.state.revision }
            try w.run(command, as: actor)
            pending.append(w.lastChanges)
        }

        /// Sends the pending batch through JSON to the replica, like the store.
        mutating func ship() throws {
            let entry = ChangeLogEntry(
                batch: CommitBatch(
                    revision: w.state.revision, counters: w.state.counters,
                    changes: pending), base: pendingBase)
            let decoded = try JSONDecoder().decode(ChangeLogEntry.self, from: JSONEncoder().encode(entry))
            #expect(decoded == entry)
            replica = try replica.replaying(decoded)
            pending = Changes()
        }
    }

    @Test func replayingEveryKindOfWriteMatchesTheWriter() throws {
        var p = Pair()
        let owner = AccountID(raw: 1), friend = AccountID(raw: 2), buyer = AccountID(raw: 3)
        try p.run(
            .createAccount(email: "owner@example.com", language: .en, apiKeyHash: APIKey.hash(APIKey.generate())),
            as: nil)
        try p.run(
            .createAccount(email: "friend@example.com", language: .ja, apiKeyHash: APIKey.hash(APIKey.generate())),
            as: nil)
        try p.ship()
        try p.run(
            .createAccount(email: "buyer@example.com", language: .en, apiKeyHash: APIKey.hash(APIKey.generate())),
            as: nil)
        #expect(p.w.state.accountCount == 3)
        try p.run(.createContact(email: "friend@example.com", fields: ContactFields(firstName: "F")), as: owner)
        try p.run(.createContact(email: "nobody@example.com", fields: ContactFields()), as: owner)
        try p.run(.inviteContact(email: "nobody@example.com"), as: owner)
        try p.run(.updateContact(email: "friend@example.com", fields: ContactFields(company: "C")), as: owner)
        try p.ship()
        #expect(p.replica.sameContent(as: p.w.state))
        #expect(!p.replica.sameContent(as: SharingState()), "the comparison sees nothing")
        try p.run(
            .registerDevice(
                name: "pi",
                services: [
                    ServiceSpec(name: "ssh", port: 22, protocol: "tcp"),
                    ServiceSpec(name: "web", port: 80, protocol: "tcp"),
                ]), as: owner)
        try p.run(.registerDevice(name: "nas", services: []), as: owner)
        let pi = DeviceID(raw: 1), nas = DeviceID(raw: 2)
        try p.run(.renameDevice(nas, name: "nas2"), as: owner)
        try p.run(.addService(nas, ServiceSpec(name: "smb", port: 445, protocol: "tcp")), as: owner)
        try p.run(
            .share(devices: [pi], emails: ["friend@example.com"], access: .portNumbers([22, 80]), notify: true),
            as: owner)
        try p.run(
            .share(devices: [nas], emails: ["friend@example.com"], access: .all(scripting: true), notify: false),
            as: owner)
        try p.ship()
        #expect(p.replica.sameContent(as: p.w.state))
        #expect(p.replica.check(user: friend, device: pi, port: 80))
        // Removing a service takes it out of PORTS shares.
        try p.run(.removeService(pi, ServiceID(raw: 2)), as: owner)
        try p.ship()
        #expect(p.replica.sameContent(as: p.w.state))
        #expect(!p.replica.check(user: friend, device: pi, port: 80))
        #expect(p.replica.check(user: friend, device: pi, port: 22))
        try p.run(.updateShare(device: pi, email: "friend@example.com", access: .all(), notify: true), as: owner)
        try p.run(.leave(devices: [nas]), as: friend)
        try p.run(.removeShares(devices: [pi], emails: ["friend@example.com"], notify: true), as: owner)
        try p.run(.share(devices: [pi, nas], emails: ["friend@example.com"], access: .all(), notify: false), as: owner)
        try p.run(.deleteContact(email: "friend@example.com"), as: owner)
        try p.ship()
        #expect(p.replica.sameContent(as: p.w.state))
        #expect(!p.replica.check(user: friend, device: pi, port: 22))
        try p.run(.createContact(email: "buyer@example.com", fields: ContactFields()), as: owner)
        try p.run(.share(devices: [pi], emails: ["buyer@example.com"], access: .all(), notify: false), as: owner)
        try p.run(.transfer(devices: [pi, nas], toEmail: "buyer@example.com"), as: owner)
        try p.ship()
        #expect(p.replica.sameContent(as: p.w.state))
        #expect(p.replica.revision == p.w.state.revision && p.replica.counters == p.w.state.counters)
        #expect((try? p.replica.device(buyer, pi)) != nil)
        // The replica's indexes work, not only its rows: the old owner cannot act on a moved device.
        #expect(throws: SharingError.self) {
            try p.replica.apply(.renameDevice(pi, name: "x"), actor: owner, at: p.w.at)
        }
        // Deleting a device and an account.
        try p.run(.createContact(email: "owner@example.com", fields: ContactFields()), as: buyer)
        try p.run(.share(devices: [nas], emails: ["owner@example.com"], access: .all(), notify: false), as: buyer)
        try p.run(.deleteDevice(pi), as: buyer)
        try p.run(.deleteAccount(confirmEmail: "buyer@example.com"), as: buyer)
        try p.ship()
        #expect(p.replica.sameContent(as: p.w.state))
        #expect(p.replica.deviceCount == 0 && p.replica.accountCount == 2 && p.replica.shareCount == 0)
        #expect(p.replica.account(email: Email(trusted: "buyer@example.com")) == nil)
        #expect(!p.replica.check(user: owner, device: nas, port: 445))
    }

    @Test func anEntryThatDoesNotFollowTheStateIsAGap() throws {
        var w = World()
        _ = w.account("a@example.com")
        let first = ChangeLogEntry(
            batch: CommitBatch(revision: 1, counters: w.state.counters, changes: w.lastChanges), base: 0)
        _ = w.account("b@example.com")
        let second = ChangeLogEntry(
            batch: CommitBatch(revision: 2, counters: w.state.counters, changes: w.lastChanges), base: 1)
        #expect(throws: ChangeLogGap.self) { try SharingState().replaying(second) }
        let one = try SharingState().replaying(first)
        #expect(throws: ChangeLogGap.self) { try one.replaying(first) }
        #expect(try one.replaying(second).sameContent(as: w.state))
    }
}
