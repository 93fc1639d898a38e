import SharingDomain
import Testing

@testable import SharingStore

/// DeleteDevice and DeleteAccount in both stores: every dependent row goes
/// (services, share ports, shares, contacts, the account) in one commit that
/// the foreign keys accept, the events stay, and a reopened store agrees.
@Suite struct DeletionStoreTests {
    @Test(arguments: StoreKind.allCases) func deletionsPersistAndKeepTheEvents(_ kind: StoreKind) async throws {
        try await withStore(kind) { slot in
            var store = try await slot.open()
            var writer = try await SharingWriter.open(persistence: store)
            let (a, b, c) = try await ownerWithTwoContacts(writer)
            func register(_ name: String, as owner: Account) async throws -> Device {
                let reg = try await writer.submit(
                    .registerDevice(
                        name: name,
                        services: [
                            ServiceSpec(name: "ssh", port: 22, protocol: "tcp"),
                            ServiceSpec(name: "web", port: 80, protocol: "tcp"),
                        ]),
                    actor: owner.id)
                guard case let .device(d) = reg.outcome else { throw TestSetupError("\(reg.outcome)") }
                return d
            }
            let pi = try await register("pi", as: a), nas = try await register("nas", as: a)
            let bDevice = try await register("b-pi", as: b)
            // PORTS shares (share_ports rows) and ALL shares, given and received.
            _ = try await writer.submit(
                .share(
                    devices: [pi.id, nas.id], emails: ["b@example.com", "c@example.com"],
                    access: .portNumbers([22]), notify: true), actor: a.id)
            _ = try await writer.submit(.createContact(email: "a@example.com", fields: ContactFields()), actor: b.id)
            _ = try await writer.submit(
                .share(
                    devices: [bDevice.id], emails: ["a@example.com"], access: .all(),
                    notify: true), actor: b.id)

            let device = try await writer.submit(.deleteDevice(pi.id), actor: a.id)
            #expect(device.outcome == .deleted(devices: 1, shares: 2, contacts: 0))
            let account = try await writer.submit(.deleteAccount(confirmEmail: "b@example.com"), actor: b.id)
            #expect(account.outcome == .deleted(devices: 1, shares: 2, contacts: 1))
            let expected = writer.snapshots.latest().state
            try await store.close()

            store = try await slot.open()
            writer = try await SharingWriter.open(persistence: store)
            let loaded = writer.snapshots.latest().state
            #expect(loaded.sameContent(as: expected))
            #expect(
                loaded.accountCount == 2 && loaded.deviceCount == 1 && loaded.shareCount == 1
                    && loaded.contactCount == 2)
            #expect(loaded.check(user: c.id, device: nas.id, port: 22))
            #expect(!loaded.check(user: a.id, device: bDevice.id, port: 22))
            #expect(try loaded.contact(a.id, email: "b@example.com").hasAccount == false)
            // Events are kept: a still lists the deletion events that concern it, and b's old share events.
            let events = try await store.events(
                EventQuery(
                    caller: a.id, filter: EventFilter(), cursor: nil, pageSize: 100,
                    limits: Limits()))
            #expect(events.contains { $0.kind == .deviceDeleted && $0.devices == [pi.id] })
            #expect(events.contains { $0.kind == .accountDeleted && $0.actor == b.id && $0.devices == [bDevice.id] })
            #expect(events.contains { $0.kind == .shareCreated && $0.actor == b.id })
            // The access-change log has each revocation.
            let changes = try await store.accessChanges(
                after: .caughtUp(through: device.revision - 1),
                through: account.revision, visibleTo: nil, limit: 100)
            #expect(changes.changes.filter { $0.kind == .deviceDeleted }.count == 3)
            #expect(changes.changes.filter { $0.kind == .accountDeleted }.count == 3)
            // The email can sign up again, as a new account.
            let (again, _) = try await writer.createAccount(email: "b@example.com", language: .en)
            guard case let .account(newB) = again.outcome else { throw TestSetupError("\(again.outcome)") }
            #expect(newB.id != b.id)
            try await store.close()
        }
    }
}
