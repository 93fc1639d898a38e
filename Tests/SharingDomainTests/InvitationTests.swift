import Testing

@testable import SharingDomain

/// Share invitations (`requireAcceptance`): pending (Check = no) until the
/// recipient accepts; decline; the lapse at the boundary; who may answer;
/// the limits at max and max+1.
@Suite struct InvitationTests {
    struct Setup {
        var w: World
        let a: AccountID
        let b: (email: String, id: AccountID)
        let d: Device, e: Device

        init(limits: Limits = Limits()) {
            w = World(limits: limits)
            a = w.account("a@example.com")
            b = w.people(a, 1)[0]
            d = w.device(a, "pi")
            e = w.device(a, "nas")
            try! w.run(
                .share(
                    devices: [d.id, e.id], emails: [b.email], access: .portNumbers([22], scripting: true),
                    notify: true, requireAcceptance: true), as: a)
        }
    }

    @Test func pendingUntilAcceptedThenAccess() throws {
        var s = Setup()
        let invited = s.w.lastChanges
        #expect(invited.notifications.map(\.template) == [.shareInvitation])
        #expect(
            invited.notifications[0].body.contains("sharewire invitations accept")
                && invited.notifications[0].body.contains("7 days"))
        #expect(invited.accessChanges.isEmpty)  // an invitation grants nothing
        #expect(invited.events.map(\.detail).first?.hasSuffix("acceptance=required") == true)
        // Pending: Check and CheckScripting say no; the recipient sees the device with no service.
        #expect(!s.w.state.check(user: s.b.id, device: s.d.id, port: 22))
        #expect(!s.w.state.checkScripting(user: s.b.id, device: s.d.id))
        let view = try s.w.state.device(s.b.id, s.d.id, at: s.w.at)
        #expect(
            view.device.services.isEmpty && view.acceptBy == Timestamp(millisecondsSinceEpoch: s.w.now + 7 * 86_400_000)
        )
        // The owner sees it pending in its list.
        let shares = try s.w.state.listShares(s.a, device: s.d.id, cursor: nil, pageSize: 10, at: s.w.at).items
        #expect(shares.map(\.share.isPending) == [true])

        let accepted = try s.w.run(.respondToInvitations(devices: [s.d.id], accept: true), as: s.b.id)
        #expect(accepted.outcome == .count(created: 0, updated: 1, removed: 0))
        #expect(
            s.w.state.check(user: s.b.id, device: s.d.id, port: 22)
                && s.w.state.checkScripting(user: s.b.id, device: s.d.id))
        #expect(!s.w.state.check(user: s.b.id, device: s.e.id, port: 22))  // the other invitation is still pending
        #expect(
            accepted.changes.events.map(\.kind) == [.shareAccepted]
                && accepted.changes.events[0].users == [s.b.id, s.a])
        #expect(accepted.changes.accessChanges.map(\.kind) == [.shareCreated])
        // The owner hears of it, naming who accepted which device.
        let told = accepted.changes.notifications
        #expect(told.map(\.template) == [.shareAccepted] && told[0].recipient == s.a)
        #expect(told[0].subject == "\(s.b.email) accepted a device you shared" && told[0].body.contains("\"pi\""))
        #expect(try s.w.state.device(s.b.id, s.d.id, at: s.w.at).device.services.count == 1)
        // Accepting again: no pending invitation.
        expectFailure(.shareNotFound, subject: s.d.id.external) { () throws(SharingError) in
            try s.w.run(.respondToInvitations(devices: [s.d.id], accept: true), as: s.b.id)
        }
    }

    @Test func declineRemovesTheInvitation() throws {
        var s = Setup()
        let declined = try s.w.run(.respondToInvitations(devices: [s.d.id, s.e.id], accept: false), as: s.b.id)
        #expect(declined.outcome == .count(created: 0, updated: 0, removed: 2))
        #expect(s.w.state.shareCount == 0 && declined.changes.accessChanges.isEmpty)
        #expect(declined.changes.events.map(\.kind) == [.shareDeclined])
        let told = declined.changes.notifications
        #expect(told.map(\.template) == [.shareDeclined] && told[0].recipient == s.a)
        #expect(told[0].subject == "\(s.b.email) declined 2 devices you shared")
    }

    @Test func lapsesAtTheBoundary() throws {
        var s = Setup()
        let lapse = try #require(try s.w.state.device(s.b.id, s.d.id, at: s.w.at).acceptBy)
        #expect(s.w.state.nextExpiry == lapse)
        let before = try s.w.state.apply(
            .expireShares, actor: nil, at: Timestamp(millisecondsSinceEpoch: lapse.millisecondsSinceEpoch - 1))
        #expect(before.changes.isEmpty && before.state.shareCount == 2)
        let at = try s.w.state.apply(.expireShares, actor: nil, at: lapse)
        #expect(at.state.shareCount == 0 && at.outcome == .count(created: 0, updated: 0, removed: 2))
        #expect(at.changes.events.map(\.kind) == [.shareDeclined, .shareDeclined])
        #expect(at.changes.events.allSatisfy { $0.actor == s.a && $0.detail == "reason=invitation.expired" })
        #expect(at.changes.accessChanges.isEmpty)  // they gave no access
        // The owner hears of it once for the recipient, naming both devices; the recipient is not told.
        let told = at.changes.notifications
        #expect(told.map(\.template) == [.invitationExpired] && told[0].recipient == s.a)
        #expect(told[0].subject == "Your invitation to \(s.b.email) for 2 devices has lapsed")
        #expect(told[0].body.contains("\"pi\"") && told[0].body.contains("\"nas\""))
        // At the instant, before the expiry write: the recipient no longer sees it and cannot accept it.
        #expect(try s.w.state.listDevices(s.b.id, cursor: nil, pageSize: 10, at: lapse).items.isEmpty)
        #expect(try s.w.state.listShares(s.a, device: s.d.id, cursor: nil, pageSize: 10, at: lapse).items.isEmpty)
        var late = s.w
        late.now = lapse.millisecondsSinceEpoch - 1
        expectFailure(.deviceNotFound) { () throws(SharingError) in
            try late.run(.respondToInvitations(devices: [s.d.id], accept: true), as: s.b.id)
        }
        #expect(!late.state.check(user: s.b.id, device: s.d.id, port: 22, at: lapse))
        // Accepted in time, the share no longer lapses.
        try s.w.run(.respondToInvitations(devices: [s.d.id], accept: true), as: s.b.id)
        let later = try s.w.state.apply(.expireShares, actor: nil, at: lapse)
        #expect(later.state.check(user: s.b.id, device: s.d.id, port: 22, at: lapse) && later.state.shareCount == 1)
    }

    @Test func onlyTheRecipientAnswers() {
        var s = Setup()
        let stranger = s.w.account("stranger@example.com")
        for actor in [s.a, stranger] {
            expectFailure(.deviceNotFound) { () throws(SharingError) in
                try s.w.run(.respondToInvitations(devices: [s.d.id], accept: true), as: actor)
            }
        }
        #expect(!s.w.state.check(user: s.b.id, device: s.d.id, port: 22))
    }

    @Test func devicesPerCallAtMaxAndMaxPlusOne() throws {
        var limits = Limits()
        limits.maxDevicesPerCall = 2
        var s = Setup(limits: limits)
        expectFailure(.limitExceeded, field: .deviceIds) { () throws(SharingError) in
            try s.w.run(.respondToInvitations(devices: [s.d.id, s.e.id, DeviceID(raw: 99)], accept: true), as: s.b.id)
        }
        try s.w.run(.respondToInvitations(devices: [s.d.id, s.e.id], accept: true), as: s.b.id)
        #expect(s.w.state.check(user: s.b.id, device: s.e.id, port: 22))
    }

    @Test func aReshareOfAnActiveShareStaysActive() throws {
        var s = Setup()
        try s.w.run(.respondToInvitations(devices: [s.d.id], accept: true), as: s.b.id)
        try s.w.run(
            .share(devices: [s.d.id], emails: [s.b.email], access: .all(), notify: false, requireAcceptance: true),
            as: s.a)
        #expect(s.w.state.check(user: s.b.id, device: s.d.id, port: 22))
    }

    @Test func updatingAPendingInvitationKeepsItPendingAndInvitesAgain() throws {
        var s = Setup()
        let view = try s.w.state.device(s.b.id, s.d.id, at: s.w.at)
        let lapse = try #require(view.acceptBy)
        s.w.now += 3 * 86_400_000 + 5  // three days and a bit later: four days (rounded up) left
        let updated = try s.w.run(.updateShare(device: s.d.id, email: s.b.email, access: .all(), notify: true), as: s.a)
        #expect(updated.outcome == .count(created: 0, updated: 1, removed: 0))
        // Still pending, same answer-by time, the new access waiting: no access, no access-feed entry.
        let share = try #require(
            s.w.state.listShares(s.a, device: s.d.id, cursor: nil, pageSize: 10, at: s.w.at).items.first?.share)
        #expect(share.acceptBy == lapse && share.access == .all(scripting: false))
        #expect(!s.w.state.check(user: s.b.id, device: s.d.id, port: 80))
        #expect(updated.changes.accessChanges.isEmpty)
        #expect(updated.changes.events.map(\.kind) == [.shareUpdated])
        #expect(updated.changes.events[0].detail.hasSuffix("acceptance=pending"))
        // The recipient is invited again to the new terms, with the days left.
        let told = updated.changes.notifications
        #expect(told.map(\.template) == [.shareInvitation] && told[0].recipient == s.b.id)
        #expect(told[0].body.contains("all services") && told[0].body.contains("within 4 days"))
        // Accepting grants the updated access.
        try s.w.run(.respondToInvitations(devices: [s.d.id], accept: true), as: s.b.id)
        #expect(s.w.state.check(user: s.b.id, device: s.d.id, port: 80))
        // The same through a re-share, on the other pending device, a day before the lapse.
        s.w.now = lapse.millisecondsSinceEpoch - 86_400_000 + 10
        let reshared = try s.w.run(
            .share(devices: [s.e.id], emails: [s.b.email], access: .all(), notify: true), as: s.a)
        #expect(reshared.outcome == .count(created: 0, updated: 1, removed: 0))
        #expect(try s.w.state.device(s.b.id, s.e.id, at: s.w.at).acceptBy == lapse)
        #expect(reshared.changes.notifications.map(\.template) == [.shareInvitation])
        #expect(reshared.changes.notifications[0].body.contains("within 1 day."))
        #expect(reshared.changes.accessChanges.isEmpty)
    }
}
