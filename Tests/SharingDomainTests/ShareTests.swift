import Testing

@testable import SharingDomain

@Suite struct ShareTests {
    /// Owner `a` with two devices (ports 22, 80) and contacts b (account) and n (no account).
    struct Setup {
        var w = World()
        let a: AccountID
        let b: (email: String, id: AccountID)
        let d1: Device
        let d2: Device
        init() {
            a = w.account("a@example.com")
            b = w.people(a, 1, prefix: "b")[0]
            w.contact(a, "n@example.com")
            d1 = w.device(a, "one")
            d2 = w.device(a, "two")
        }
    }

    @Test func bulkShareGivesEveryPairTheSameAccessAndNotifies() throws {
        var s = Setup()
        let c = s.w.people(s.a, 1, prefix: "c")[0]
        let access = AccessRequest.all(scripting: true)
        let applied = try s.w.run(
            .share(devices: [s.d1.id, s.d2.id], emails: [s.b.email, c.email], access: access, notify: true), as: s.a)
        #expect(applied.outcome == .count(created: 4, updated: 0, removed: 0))
        for d in [s.d1, s.d2] {
            for u in [s.b.id, c.id] {
                #expect(s.w.state.check(user: u, device: d.id, port: 22))
                #expect(s.w.state.checkScripting(user: u, device: d.id))
            }
        }
        #expect(applied.changes.events.count == 1)
        let event = applied.changes.events[0]
        #expect(
            event.kind == .shareCreated && event.devices == [s.d1.id, s.d2.id] && event.users == [s.a, s.b.id, c.id])
        #expect(event.revision == applied.state.revision)
        // One notification per recipient, not per pair.
        #expect(applied.changes.notifications.map(\.template) == [.shared, .shared])
        #expect(applied.changes.notifications.map(\.recipient) == [s.b.id, c.id])
        #expect(applied.changes.notifications[0].body.contains("\"one\", \"two\""))
    }

    @Test func notifyFalseQueuesNothing() throws {
        var s = Setup()
        let applied = try s.w.run(
            .share(devices: [s.d1.id], emails: [s.b.email], access: .all(), notify: false), as: s.a)
        #expect(applied.changes.notifications.isEmpty)
        #expect(applied.changes.events.count == 1)
    }

    @Test func everyErrorIsTypedAndNamesTheCulprit() {
        var s = Setup()
        let stranger = s.w.account("x@example.com")
        let foreign = s.w.device(stranger, "foreign")
        func share(_ devices: [DeviceID], _ emails: [String], _ access: AccessRequest = .all()) -> SharingCommand {
            .share(devices: devices, emails: emails, access: access, notify: true)
        }
        let w = s.w
        func fails(
            _ reason: SharingError.Reason, _ subject: String?, _ field: SharingError.Field?, _ cmd: SharingCommand,
            sourceLocation: SourceLocation = #_sourceLocation
        ) {
            var copy = w
            expectFailure(reason, subject: subject, field: field, sourceLocation: sourceLocation) {
                () throws(SharingError) in
                try copy.run(cmd, as: s.a)
            }
        }
        fails(.deviceNotFound, "dev_999", .deviceIds, share([s.d1.id, DeviceID(raw: 999)], [s.b.email]))
        // Not the owner, and no access.
        fails(.deviceNotFound, foreign.id.external, .deviceIds, share([foreign.id], [s.b.email]))
        fails(.contactHasNoAccount, "n@example.com", .emails, share([s.d1.id], [s.b.email, "n@example.com"]))
        fails(.contactNotFound, "x@example.com", .emails, share([s.d1.id], ["x@example.com"]))
        fails(.shareToSelf, "a@example.com", .emails, share([s.d1.id], ["A@example.com"]))
        fails(.invalidEmail, "bad", .emails, share([s.d1.id], ["bad"]))
        fails(
            .serviceNotOnDevice, s.d2.services[0].id.external, .serviceIds,
            share([s.d1.id], [s.b.email], .ports([s.d2.services[0].id])))
        fails(
            .serviceNotOnDevice, s.d1.services[0].id.external, .serviceIds,
            share([s.d1.id, s.d2.id], [s.b.email], .ports([s.d1.services[0].id])))
        fails(.emptySelection, nil, .deviceIds, share([], [s.b.email]))
        fails(.emptySelection, nil, .emails, share([s.d1.id], []))
        fails(.emptyAccess, nil, .serviceIds, share([s.d1.id], [s.b.email], .ports([], scripting: false)))
    }

    @Test func recipientCannotReshare() throws {
        var s = Setup()
        let c = s.w.people(s.b.id, 1, prefix: "c")[0]
        try s.w.run(.share(devices: [s.d1.id], emails: [s.b.email], access: .all(), notify: false), as: s.a)
        expectFailure(.notDeviceOwner, subject: s.d1.id.external) { () throws(SharingError) in
            try s.w.run(.share(devices: [s.d1.id], emails: [c.email], access: .all(), notify: false), as: s.b.id)
        }
    }

    @Test func rejectedBulkShareLeavesStateUnchanged() throws {
        var s = Setup()
        try s.w.run(
            .share(devices: [s.d1.id], emails: [s.b.email], access: .ports([s.d1.services[0].id]), notify: false),
            as: s.a)
        let before = s.w.state
        // The last email is bad: nothing of the call may apply, not even the valid pairs before it.
        expectFailure(.contactHasNoAccount) { () throws(SharingError) in
            try s.w.run(
                .share(
                    devices: [s.d1.id, s.d2.id], emails: [s.b.email, "n@example.com"], access: .all(), notify: true),
                as: s.a)
        }
        #expect(s.w.state.revision == before.revision)
        #expect(s.w.state.shareCount == 1)
        #expect(!s.w.state.check(user: s.b.id, device: s.d2.id, port: 22))
        #expect(!s.w.state.check(user: s.b.id, device: s.d1.id, port: 80))
        #expect(s.w.state.counters == before.counters)
    }

    @Test func reshareUpdatesAccess() throws {
        var s = Setup()
        try s.w.run(.share(devices: [s.d1.id], emails: [s.b.email], access: .all(), notify: true), as: s.a)
        let ssh = s.d1.services[0]
        let applied = try s.w.run(
            .share(devices: [s.d1.id, s.d2.id], emails: [s.b.email], access: .all(scripting: true), notify: true),
            as: s.a)
        #expect(applied.outcome == .count(created: 1, updated: 1, removed: 0))
        #expect(Set(applied.changes.events.map(\.kind)) == [.shareCreated, .shareUpdated])
        #expect(Set(applied.changes.notifications.map(\.template)) == [.shared, .shareUpdated])
        #expect(s.w.state.checkScripting(user: s.b.id, device: s.d1.id))
        try s.w.run(.share(devices: [s.d1.id], emails: [s.b.email], access: .ports([ssh.id]), notify: false), as: s.a)
        #expect(s.w.state.check(user: s.b.id, device: s.d1.id, port: 22))
        #expect(!s.w.state.check(user: s.b.id, device: s.d1.id, port: 80))
        #expect(!s.w.state.checkScripting(user: s.b.id, device: s.d1.id))
        #expect(s.w.state.shareCount == 2)
        // Same access again: nothing to change.
        let same = try s.w.run(
            .share(devices: [s.d1.id], emails: [s.b.email], access: .ports([ssh.id]), notify: true), as: s.a)
        #expect(same.outcome == .count(created: 0, updated: 0, removed: 0))
        #expect(same.changes.notifications.isEmpty)
    }

    @Test func allAccessCoversServicesAddedLaterButPortsDoesNot() throws {
        var s = Setup()
        let c = s.w.people(s.a, 1, prefix: "c")[0]
        try s.w.run(.share(devices: [s.d1.id], emails: [s.b.email], access: .all(), notify: false), as: s.a)
        try s.w.run(
            .share(devices: [s.d1.id], emails: [c.email], access: .ports([s.d1.services[0].id]), notify: false), as: s.a
        )
        #expect(!s.w.state.check(user: s.b.id, device: s.d1.id, port: 3389))
        try s.w.run(.addService(s.d1.id, ServiceSpec(name: "rdp", port: 3389, protocol: "tcp")), as: s.a)
        #expect(s.w.state.check(user: s.b.id, device: s.d1.id, port: 3389))
        #expect(!s.w.state.check(user: c.id, device: s.d1.id, port: 3389))
    }

    @Test func portsWithEmptySetAndScriptingIsScriptsOnly() throws {
        var s = Setup()
        try s.w.run(
            .share(devices: [s.d1.id], emails: [s.b.email], access: .ports([], scripting: true), notify: false), as: s.a
        )
        #expect(s.w.state.checkScripting(user: s.b.id, device: s.d1.id))
        #expect(!s.w.state.check(user: s.b.id, device: s.d1.id, port: 22))
    }

    /// A put says whether the stored share had service rows to replace: not
    /// when it is new or its list was empty (ALL), so the store skips the delete.
    @Test func sharePutsTellWhetherTheStoredShareHadPorts() throws {
        var s = Setup()
        let ssh = s.d1.services[0], web = s.d1.services[1]
        func flags(_ command: SharingCommand) throws -> [Bool] {
            try s.w.run(command, as: s.a).changes.mutations.compactMap {
                if case let .putShare(_, hadPorts) = $0 { hadPorts } else { nil }
            }
        }
        let emails = [s.b.email]
        #expect(
            try flags(.share(devices: [s.d1.id], emails: emails, access: .ports([ssh.id]), notify: false)) == [false])
        #expect(try flags(.share(devices: [s.d1.id], emails: emails, access: .all(), notify: false)) == [true])
        #expect(
            try flags(.share(devices: [s.d1.id], emails: emails, access: .all(scripting: true), notify: false)) == [
                false
            ])
        #expect(
            try flags(.share(devices: [s.d1.id], emails: emails, access: .ports([web.id]), notify: false)) == [false])
        #expect(
            try flags(.share(devices: [s.d1.id, s.d2.id], emails: emails, access: .all(), notify: false)) == [
                true, false,
            ])
    }

    /// Bulk share and remove update the by-device and by-user indexes once
    /// per device and user; they still list exactly the stored shares.
    @Test func bulkCallsKeepTheShareIndexesExact() throws {
        var s = Setup()
        let c = s.w.people(s.a, 1, prefix: "c")[0]
        func expectIndexesMatchShares() {
            let st = s.w.state
            var byDevice: [DeviceID: Set<AccountID>] = [:]
            var byUser: [AccountID: Set<DeviceID>] = [:]
            for (key, _) in st.shares {
                byDevice[key.device, default: []].insert(key.user)
                byUser[key.user, default: []].insert(key.device)
            }
            #expect(st.sharesByDevice.count == byDevice.count && st.sharesByUser.count == byUser.count)
            for (d, users) in st.sharesByDevice { #expect(Set(users) == byDevice[d]) }
            for (u, devices) in st.sharesByUser { #expect(Set(devices) == byUser[u]) }
        }
        try s.w.run(.share(devices: [s.d1.id], emails: [s.b.email], access: .all(), notify: false), as: s.a)
        try s.w.run(
            .share(
                devices: [s.d1.id, s.d2.id], emails: [s.b.email, c.email], access: .all(scripting: true), notify: false),
            as: s.a)
        expectIndexesMatchShares()
        #expect(s.w.state.sharesByDevice[s.d2.id]?.count == 2)
        try s.w.run(.removeShares(devices: [s.d1.id], emails: [s.b.email, c.email], notify: false), as: s.a)
        expectIndexesMatchShares()
        #expect(s.w.state.sharesByDevice[s.d1.id] == nil && s.w.state.sharesByUser[c.id]?.count == 1)
        try s.w.run(.removeShares(devices: [s.d2.id], emails: [s.b.email, c.email], notify: false), as: s.a)
        expectIndexesMatchShares()
        #expect(s.w.state.sharesByUser.isEmpty && s.w.state.sharesByDevice.isEmpty)
    }

    @Test func removingAServiceDropsItFromPortsShares() throws {
        var s = Setup()
        let ssh = s.d1.services[0], web = s.d1.services[1]
        try s.w.run(
            .share(devices: [s.d1.id], emails: [s.b.email], access: .ports([ssh.id, web.id]), notify: false), as: s.a)
        let applied = try s.w.run(.removeService(s.d1.id, ssh.id), as: s.a)
        #expect(!s.w.state.check(user: s.b.id, device: s.d1.id, port: 22))
        #expect(s.w.state.check(user: s.b.id, device: s.d1.id, port: 80))
        // The share row is rewritten before the service row goes (storage order matters).
        #expect(applied.changes.mutations.first { if case .putShare = $0 { true } else { false } } != nil)
        if case let .putShare(share, _)? = applied.changes.mutations.first {
            #expect(share.access.services == [web.id])
        }
    }

    /// Removing a service a PORTS share names tells the recipient; a share
    /// left with no service and no scripting is removed, with its event.
    @Test func removingTheLastGrantedServiceRemovesTheShare() throws {
        var s = Setup()
        let ssh = s.d1.services[0], web = s.d1.services[1]
        let people = s.w.people(s.a, 3, prefix: "r")
        let (narrowed, scripts, emptied) = (people[0], people[1], people[2])
        try s.w.run(
            .share(devices: [s.d1.id], emails: [narrowed.email], access: .ports([ssh.id, web.id]), notify: false),
            as: s.a)
        try s.w.run(
            .share(
                devices: [s.d1.id], emails: [scripts.email], access: .ports([ssh.id], scripting: true), notify: false),
            as: s.a)
        try s.w.run(
            .share(devices: [s.d1.id], emails: [emptied.email, s.b.email], access: .ports([ssh.id]), notify: false),
            as: s.a)
        try s.w.run(.updateShare(device: s.d1.id, email: s.b.email, access: .all(), notify: false), as: s.a)
        let applied = try s.w.run(.removeService(s.d1.id, ssh.id), as: s.a)
        // Narrowed: keeps web. Scripts: kept as scripts only. Emptied: gone. ALL: untouched, not told.
        #expect(s.w.state.check(user: narrowed.id, device: s.d1.id, port: 80))
        #expect(
            try s.w.state.device(scripts.id, s.d1.id).role
                == .recipient(sharedBy: try Email("a@example.com"), access: .ports([], scripting: true)))
        expectFailure(.deviceNotFound) { () throws(SharingError) in _ = try s.w.state.device(emptied.id, s.d1.id) }
        #expect(try s.w.state.device(s.a, s.d1.id).role == .owner(shareCount: 3))
        #expect(applied.changes.mutations.contains(.deleteShare(ShareKey(device: s.d1.id, user: emptied.id))))
        #expect(applied.changes.events.map(\.kind) == [.serviceRemoved, .shareRemoved])
        #expect(applied.changes.events[0].users == [s.a, narrowed.id, scripts.id, emptied.id])
        #expect(applied.changes.events[1].users == [s.a, emptied.id] && applied.changes.events[1].devices == [s.d1.id])
        let told = applied.changes.notifications.map { ($0.recipient, $0.template) }
        #expect(told.map(\.0) == [narrowed.id, scripts.id, emptied.id])
        #expect(told.map(\.1) == [.shareUpdated, .shareUpdated, .shareRemoved])
        #expect(applied.changes.notifications[0].body.contains("Access now: port 80."))
        #expect(applied.changes.notifications[1].body.contains("Access now: scripts only."))
        // Removing a service no share names tells nobody.
        let quiet = try s.w.run(.removeService(s.d2.id, s.d2.services[0].id), as: s.a)
        #expect(quiet.changes.notifications.isEmpty && quiet.changes.events.map(\.kind) == [.serviceRemoved])
    }

    @Test func updateOnePersonsAccess() throws {
        var s = Setup()
        try s.w.run(.share(devices: [s.d1.id], emails: [s.b.email], access: .all(), notify: false), as: s.a)
        let applied = try s.w.run(
            .updateShare(
                device: s.d1.id, email: s.b.email, access: .ports([s.d1.services[1].id], scripting: true), notify: true),
            as: s.a)
        #expect(applied.outcome == .count(created: 0, updated: 1, removed: 0))
        #expect(!s.w.state.check(user: s.b.id, device: s.d1.id, port: 22))
        #expect(s.w.state.check(user: s.b.id, device: s.d1.id, port: 80))
        #expect(s.w.state.checkScripting(user: s.b.id, device: s.d1.id))
        #expect(applied.changes.notifications.map(\.template) == [.shareUpdated])
        expectFailure(.shareNotFound, subject: s.b.email) { () throws(SharingError) in
            try s.w.run(.updateShare(device: s.d2.id, email: s.b.email, access: .all(), notify: false), as: s.a)
        }
        expectFailure(.notDeviceOwner) { () throws(SharingError) in
            try s.w.run(
                .updateShare(device: s.d1.id, email: s.b.email, access: .all(scripting: true), notify: false),
                as: s.b.id)
        }
        expectFailure(.serviceNotOnDevice) { () throws(SharingError) in
            try s.w.run(
                .updateShare(device: s.d1.id, email: s.b.email, access: .ports([s.d2.services[0].id]), notify: false),
                as: s.a)
        }
    }

    @Test func bulkRemoveIsIdempotentAndOwnerOnly() throws {
        var s = Setup()
        let c = s.w.people(s.a, 1, prefix: "c")[0]
        try s.w.run(
            .share(devices: [s.d1.id, s.d2.id], emails: [s.b.email, c.email], access: .all(), notify: false), as: s.a)
        expectFailure(.notDeviceOwner) { () throws(SharingError) in
            try s.w.run(.removeShares(devices: [s.d1.id], emails: [c.email], notify: true), as: s.b.id)
        }
        let applied = try s.w.run(
            .removeShares(devices: [s.d1.id, s.d2.id], emails: [s.b.email, "n@example.com"], notify: true), as: s.a)
        #expect(applied.outcome == .count(created: 0, updated: 0, removed: 2))
        #expect(applied.changes.notifications.map(\.template) == [.shareRemoved])
        #expect(!s.w.state.check(user: s.b.id, device: s.d1.id, port: 22))
        #expect(s.w.state.check(user: c.id, device: s.d1.id, port: 22))
        let again = try s.w.run(.removeShares(devices: [s.d1.id], emails: [s.b.email], notify: true), as: s.a)
        #expect(again.outcome == .count(created: 0, updated: 0, removed: 0))
        #expect(again.changes.events.isEmpty)
    }

    @Test func commonShareesAreThoseOnEveryDevice() throws {
        var s = Setup()
        let people = s.w.people(s.a, 3, prefix: "q")
        let d3 = s.w.device(s.a, "three")
        try s.w.run(
            .share(
                devices: [s.d1.id, s.d2.id, d3.id], emails: [people[0].email, people[1].email], access: .all(),
                notify: false), as: s.a)
        try s.w.run(
            .share(devices: [s.d1.id, s.d2.id], emails: [people[2].email, s.b.email], access: .all(), notify: false),
            as: s.a)
        let all3 = try s.w.state.commonSharees(s.a, devices: [s.d1.id, s.d2.id, d3.id])
        #expect(all3.map(\.email.value) == ["q0@example.com", "q1@example.com"])
        let two = try s.w.state.commonSharees(s.a, devices: [s.d1.id, s.d2.id])
        #expect(two.map(\.email.value) == ["b0@example.com", "q0@example.com", "q1@example.com", "q2@example.com"])
        let empty = s.w.device(s.a, "empty")
        let none = try s.w.state.commonSharees(s.a, devices: [s.d1.id, empty.id])
        #expect(none.isEmpty)
        expectFailure(.emptySelection) { () throws(SharingError) in _ = try s.w.state.commonSharees(s.a, devices: []) }
        expectFailure(.notDeviceOwner) { () throws(SharingError) in
            _ = try s.w.state.commonSharees(people[0].id, devices: [s.d1.id])
        }
    }

    @Test func leaveRemovesOnlyMyAccessAndTellsTheOwner() throws {
        var s = Setup()
        let c = s.w.people(s.a, 1, prefix: "c")[0]
        try s.w.run(
            .share(devices: [s.d1.id, s.d2.id], emails: [s.b.email, c.email], access: .all(), notify: false), as: s.a)
        let applied = try s.w.run(.leave(devices: [s.d1.id]), as: s.b.id)
        #expect(!s.w.state.check(user: s.b.id, device: s.d1.id, port: 22))
        #expect(s.w.state.check(user: s.b.id, device: s.d2.id, port: 22))
        #expect(s.w.state.check(user: c.id, device: s.d1.id, port: 22))
        #expect(applied.changes.events.map(\.kind) == [.shareLeft])
        #expect(applied.changes.notifications.map(\.recipient) == [s.a])
        #expect(applied.changes.notifications.map(\.template) == [.left])
        expectFailure(.shareNotFound, subject: s.d1.id.external) { () throws(SharingError) in
            try s.w.run(.leave(devices: [s.d1.id]), as: s.b.id)
        }
        expectFailure(.shareNotFound) { () throws(SharingError) in try s.w.run(.leave(devices: [s.d1.id]), as: s.a) }
    }

    @Test func listSharesIsOwnerOnly() throws {
        var s = Setup()
        try s.w.run(.share(devices: [s.d1.id], emails: [s.b.email], access: .all(), notify: false), as: s.a)
        let page = try s.w.state.listShares(s.a, device: s.d1.id, cursor: nil, pageSize: 0)
        #expect(page.items.map(\.email.value) == [s.b.email])
        expectFailure(.notDeviceOwner) { () throws(SharingError) in
            _ = try s.w.state.listShares(s.b.id, device: s.d1.id, cursor: nil, pageSize: 0)
        }
        #expect(
            try s.w.state.device(s.b.id, s.d1.id).role
                == .recipient(sharedBy: try Email("a@example.com"), access: .all()))
    }

    @Test func pairsPerBulkAtMaxAndMaxPlusOne() throws {
        var w = World()
        let a = w.account("a@example.com")
        let people = w.people(a, 137)
        let devices = (0..<100).map { w.device(a, "d\($0)", ports: [22]) }
        // 100 × 100 = 10,000: allowed.
        let ok = try w.run(
            .share(devices: devices.map(\.id), emails: people.prefix(100).map(\.email), access: .all(), notify: true),
            as: a)
        #expect(ok.outcome == .count(created: 10_000, updated: 0, removed: 0))
        #expect(ok.changes.notifications.count == 100)
        #expect(w.state.shareCount == 10_000)
        // 73 × 137 = 10,001: refused before anything applies.
        expectFailure(.limitExceeded, subject: "10001", field: .pairs) { () throws(SharingError) in
            try w.run(
                .share(
                    devices: devices.prefix(73).map(\.id), emails: people.map(\.email), access: .all(), notify: false),
                as: a)
        }
        expectFailure(.limitExceeded, subject: "10001", field: .pairs) { () throws(SharingError) in
            try w.run(
                .removeShares(devices: devices.prefix(73).map(\.id), emails: people.map(\.email), notify: false), as: a)
        }
        // Duplicates do not count twice.
        let dup = try w.run(
            .removeShares(
                devices: devices.map(\.id) + devices.map(\.id), emails: people.prefix(100).map(\.email), notify: false),
            as: a)
        #expect(dup.outcome == .count(created: 0, updated: 0, removed: 10_000))
    }

    @Test func portsPerShareAtMaxAndMaxPlusOne() throws {
        var w = World()
        let a = w.account("a@example.com")
        let b = w.people(a, 1)[0]
        let d = w.device(a, "big", ports: (1...64).map { UInt16($0) })
        let all = Set(d.services.map(\.id))
        try w.run(.share(devices: [d.id], emails: [b.email], access: .ports(all), notify: false), as: a)
        #expect(w.state.check(user: b.id, device: d.id, port: 64))
        expectFailure(.limitExceeded, subject: "65", field: .serviceIds) { () throws(SharingError) in
            try w.run(
                .share(
                    devices: [d.id], emails: [b.email], access: .ports(all.union([ServiceID(raw: 9999)])), notify: false
                ), as: a)
        }
    }

    @Test func devicesPerCallAtMaxAndMaxPlusOne() throws {
        var w = World()
        let a = w.account("a@example.com")
        let ids = (0..<1000).map { w.device(a, "d\($0)", ports: []).id }
        #expect(try w.state.commonSharees(a, devices: ids).isEmpty)
        expectFailure(.limitExceeded, subject: "1001", field: .deviceIds) { () throws(SharingError) in
            _ = try w.state.commonSharees(a, devices: ids + [DeviceID(raw: 99_999)])
        }
        expectFailure(.limitExceeded, subject: "1001", field: .deviceIds) { () throws(SharingError) in
            try w.run(.leave(devices: ids + [DeviceID(raw: 99_999)]), as: a)
        }
    }
}
