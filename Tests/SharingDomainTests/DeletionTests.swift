import Testing

@testable import SharingDomain

/// DeleteDevice and DeleteAccount: who may, every dependent row, the
/// notifications, events and access changes, the limits at max and max+1.
@Suite struct DeletionTests {
    struct Setup {
        var w: World
        let a: AccountID
        let people: [(email: String, id: AccountID)]
        let d: Device, other: Device

        /// a owns d (shared with p0 and p1) and other (shared with p0).
        init(limits: Limits = Limits()) {
            w = World(limits: limits)
            a = w.account("a@example.com")
            people = w.people(a, 2)
            d = w.device(a, "pi")
            other = w.device(a, "nas")
            try! w.run(.share(devices: [d.id], emails: people.map(\.email), access: .all(), notify: false), as: a)
            try! w.run(.share(devices: [other.id], emails: [people[0].email], access: .all(), notify: false), as: a)
        }
    }

    @Test func deleteDeviceRemovesItsSharesAndTellsEachRecipient() throws {
        var s = Setup()
        let applied = try s.w.run(.deleteDevice(s.d.id), as: s.a)
        #expect(applied.outcome == .deleted(devices: 1, shares: 2, contacts: 0))
        #expect(s.w.state.deviceCount == 1 && s.w.state.shareCount == 1)
        for p in s.people { #expect(!s.w.state.check(user: p.id, device: s.d.id, port: 22)) }
        #expect(!s.w.state.check(user: s.a, device: s.d.id, port: 22))
        // The other device keeps its share.
        #expect(s.w.state.check(user: s.people[0].id, device: s.other.id, port: 22))
        expectFailure(.deviceNotFound) { () throws(SharingError) in _ = try s.w.state.device(s.a, s.d.id) }
        #expect(applied.changes.notifications.map(\.template) == [.deviceDeleted, .deviceDeleted])
        #expect(Set(applied.changes.notifications.compactMap(\.recipient)) == Set(s.people.map(\.id)))
        #expect(
            applied.changes.notifications.allSatisfy {
                $0.subject == "a@example.com deleted a device they shared with you" && $0.body.contains("\"pi\"")
            })
        #expect(applied.changes.events.map(\.kind) == [.deviceDeleted])
        #expect(applied.changes.events[0].users == [s.a] + s.people.map(\.id))
        let access = applied.changes.accessChanges
        #expect(access.map(\.kind) == [.deviceDeleted, .deviceDeleted, .deviceDeleted])
        #expect(access.map(\.user) == s.people.map(\.id) + [s.a] && access.allSatisfy { $0.grant == .none })
        // Shares first (their rows reference the device), then the device.
        #expect(
            applied.changes.mutations == [
                .deleteShare(ShareKey(device: s.d.id, user: s.people[0].id)),
                .deleteShare(ShareKey(device: s.d.id, user: s.people[1].id)),
                .deleteDevice(s.d.id),
            ])
        // Without notify: the same events, no notification.
        var quiet = Setup()
        let silent = try quiet.w.run(.deleteDevice(quiet.d.id, notify: false), as: quiet.a)
        #expect(silent.changes.notifications.isEmpty && silent.changes.events.map(\.kind) == [.deviceDeleted])
    }

    @Test func onlyTheOwnerDeletesADevice() {
        var s = Setup()
        let stranger = s.w.account("stranger@example.com")
        expectFailure(.notDeviceOwner, field: .deviceId) { () throws(SharingError) in
            try s.w.run(.deleteDevice(s.d.id), as: s.people[0].id)
        }
        expectFailure(.deviceNotFound, field: .deviceId) { () throws(SharingError) in
            try s.w.run(.deleteDevice(s.d.id), as: stranger)
        }
        expectFailure(.deviceNotFound) { () throws(SharingError) in
            try s.w.run(.deleteDevice(DeviceID(raw: 999)), as: s.a)
        }
        #expect(s.w.state.deviceCount == 2 && s.w.state.shareCount == 3)
    }

    @Test func deleteDeviceLimitAtMaxAndMaxPlusOne() throws {
        var limits = Limits()
        limits.maxPairsPerBulk = 2
        var s = Setup(limits: limits)
        try s.w.run(.deleteDevice(s.d.id), as: s.a)  // 2 shares: at the limit
        var t = Setup(limits: limits)
        let extra = t.w.account("x@example.com")
        t.w.contact(t.a, "x@example.com")
        try t.w.run(.share(devices: [t.d.id], emails: ["x@example.com"], access: .all(), notify: false), as: t.a)
        #expect(t.w.state.check(user: extra, device: t.d.id, port: 22))
        expectFailure(.limitExceeded, subject: t.d.id.external, field: .deviceId) { () throws(SharingError) in
            try t.w.run(.deleteDevice(t.d.id), as: t.a)
        }
    }

    @Test func deleteAccountRemovesEveryDependentRowAndKeepsOthersContactEntries() throws {
        var s = Setup()
        let b = s.people[0]
        // b has its own device shared with a, and its own contacts.
        s.w.contact(b.id, "a@example.com")
        s.w.contact(b.id, "someone@example.com")
        let bDevice = s.w.device(b.id, "b-pi")
        try s.w.run(.share(devices: [bDevice.id], emails: ["a@example.com"], access: .all(), notify: false), as: b.id)
        expectFailure(.invalidArgument, field: .confirmEmail) { () throws(SharingError) in
            try s.w.run(.deleteAccount(confirmEmail: "a@example.com"), as: b.id)
        }
        let applied = try s.w.run(.deleteAccount(confirmEmail: " P0@example.com "), as: b.id)
        #expect(applied.outcome == .deleted(devices: 1, shares: 3, contacts: 2))
        // Gone: its account (and key), its device, the shares it gave and received, its address book.
        #expect(s.w.state.account(email: Email(trusted: b.email)) == nil)
        expectFailure(.unauthenticated) { () throws(SharingError) in _ = try s.w.state.whoami(b.id) }
        #expect(s.w.state.deviceCount == 2 && s.w.state.shareCount == 1)  // a's pi still shared with p1
        #expect(!s.w.state.check(user: s.a, device: bDevice.id, port: 22))
        #expect(
            !s.w.state.check(user: b.id, device: s.d.id, port: 22)
                && !s.w.state.check(user: b.id, device: s.other.id, port: 22))
        #expect(s.w.state.contactCount == 2)  // a's two entries; b's two are gone
        // a's entry for b stays, with no account now.
        #expect(try s.w.state.contact(s.a, email: b.email).hasAccount == false)
        // Told once: a lost b's device and a's devices lost b (account.closed, naming all three).
        let told = applied.changes.notifications
        #expect(told.map(\.template) == [.accountClosed] && told[0].recipient == s.a)
        #expect(told[0].subject == "\(b.email) closed their Sharewire account")
        #expect(["\"b-pi\"", "\"pi\"", "\"nas\""].allSatisfy(told[0].body.contains))
        #expect(applied.changes.events.map(\.kind) == [.accountDeleted])
        #expect(applied.changes.events[0].users == [b.id, s.a] && applied.changes.events[0].devices == [bDevice.id])
        let access = applied.changes.accessChanges
        #expect(access.allSatisfy { $0.kind == .accountDeleted && $0.grant == .none })
        #expect(
            Set(access.map { "\($0.device.raw)/\($0.user.raw)" })
                == [
                    "\(s.d.id.raw)/\(b.id.raw)", "\(s.other.id.raw)/\(b.id.raw)", "\(bDevice.id.raw)/\(s.a.raw)",
                    "\(bDevice.id.raw)/\(b.id.raw)",
                ])
        // Rows that reference the account go before it.
        #expect(applied.changes.mutations.last == .deleteAccount(b.id))
        // The email is free again: a new account gets a new id, and a's entry shows it.
        let again = s.w.account(b.email)
        #expect(try again != b.id && s.w.state.contact(s.a, email: b.email).hasAccount)
    }

    @Test func deleteAccountLimitAtMaxAndMaxPlusOne() throws {
        var limits = Limits()
        limits.maxPairsPerBulk = 5
        // a: 2 devices + 3 shares = 5 rows: at the limit.
        var s = Setup(limits: limits)
        let applied = try s.w.run(.deleteAccount(confirmEmail: "a@example.com", notify: false), as: s.a)
        #expect(
            applied.outcome == .deleted(devices: 2, shares: 3, contacts: 2) && applied.changes.notifications.isEmpty)
        #expect(s.w.state.accountCount == 2 && s.w.state.deviceCount == 0 && s.w.state.shareCount == 0)
        var t = Setup(limits: limits)
        _ = t.w.device(t.a, "third")
        expectFailure(.limitExceeded, field: .account) { () throws(SharingError) in
            try t.w.run(.deleteAccount(confirmEmail: "a@example.com"), as: t.a)
        }
        #expect(t.w.state.accountCount == 3)
    }
}
