import Testing

@testable import SharingDomain

@Suite struct TransferTests {
    @Test func transferMovesOwnershipClearsSharesAndNotifiesBothSides() throws {
        var w = World()
        let a = w.account("a@example.com")
        let t = w.account("t@example.com", .ja)
        let people = w.people(a, 2)
        w.contact(a, "t@example.com", language: .ja)
        let d1 = w.device(a, "one"), d2 = w.device(a, "two"), kept = w.device(a, "kept")
        try w.run(
            .share(
                devices: [d1.id, d2.id, kept.id], emails: people.map(\.email) + ["t@example.com"], access: .all(),
                notify: false), as: a)
        let applied = try w.run(.transfer(devices: [d1.id, d2.id], toEmail: "T@example.com"), as: a)
        #expect(applied.outcome == .count(created: 0, updated: 0, removed: 2))
        for d in [d1, d2] {
            #expect(try w.state.device(t, d.id).role == .owner(shareCount: 0))
            for p in people { #expect(!w.state.check(user: p.id, device: d.id, port: 22)) }
            #expect(!w.state.check(user: a, device: d.id, port: 22))
            #expect(w.state.check(user: t, device: d.id, port: 22))
        }
        // The device not transferred keeps its shares.
        #expect(try w.state.device(a, kept.id).role == .owner(shareCount: 3))
        let templates = applied.changes.notifications.map(\.template)
        #expect(templates.prefix(2) == [.transferSent, .transferReceived])
        #expect(templates.filter { $0 == .shareRemoved }.count == 2)  // the two former recipients other than t
        let received = applied.changes.notifications[1]
        #expect(
            received.recipient == t && received.language == .ja && received.subject == "a@example.comさんからデバイスが譲渡されました")
        #expect(applied.changes.events.map(\.kind) == [.deviceTransferred])
        // The old owner can no longer act on it.
        expectFailure(.deviceNotFound) { () throws(SharingError) in try w.run(.renameDevice(d1.id, name: "x"), as: a) }
        try w.run(.renameDevice(d1.id, name: "now mine"), as: t)
    }

    /// `notify: false` on Transfer, Leave and DeleteContact writes no
    /// notification, and the same events as with it.
    @Test func notifyFalseSendsNothingAndRecordsTheSameEvents() throws {
        func world() -> (World, AccountID, [(email: String, id: AccountID)], Device) {
            var w = World()
            let a = w.account("a@example.com")
            let people = w.people(a, 2)
            let d = w.device(a)
            try! w.run(.share(devices: [d.id], emails: people.map(\.email), access: .all(), notify: false), as: a)
            return (w, a, people, d)
        }
        let cases:
            [(
                name: String, command: ([(email: String, id: AccountID)], Device, Bool) -> SharingCommand,
                asOwner: Bool, told: Int
            )] = [
                ("transfer", { p, d, n in .transfer(devices: [d.id], toEmail: p[0].email, notify: n) }, true, 3),
                ("leave", { _, d, n in .leave(devices: [d.id], notify: n) }, false, 1),
                ("deleteContact", { p, _, n in .deleteContact(email: p[1].email, notify: n) }, true, 1),
            ]
        for c in cases {
            var (loud, a, people, d) = world()
            var (quiet, _, _, _) = world()
            let actor = c.asOwner ? a : people[0].id
            let told = try loud.run(c.command(people, d, true), as: actor)
            let silent = try quiet.run(c.command(people, d, false), as: actor)
            #expect(told.changes.notifications.count == c.told, "\(c.name)")
            #expect(silent.changes.notifications.isEmpty, "\(c.name)")
            #expect(told.changes.events.map(\.kind) == silent.changes.events.map(\.kind), "\(c.name)")
            #expect(told.changes.mutations == silent.changes.mutations, "\(c.name)")
            #expect(told.outcome == silent.outcome, "\(c.name)")
        }
        // The default is to notify, as before the flag.
        var (w, _, people, d) = world()
        #expect(try w.run(.leave(devices: [d.id]), as: people[0].id).changes.notifications.map(\.template) == [.left])
    }

    @Test func errors() throws {
        var w = World()
        let a = w.account("a@example.com")
        let b = w.people(a, 1)[0]
        let d = w.device(a)
        try w.run(.share(devices: [d.id], emails: [b.email], access: .all(), notify: false), as: a)
        // The target must be a contact with an account, as for a share.
        expectFailure(.contactNotFound, subject: "nobody@example.com", field: .toEmail) { () throws(SharingError) in
            try w.run(.transfer(devices: [d.id], toEmail: "nobody@example.com"), as: a)
        }
        _ = w.account("stranger@example.com")
        expectFailure(.contactNotFound, subject: "stranger@example.com", field: .toEmail) { () throws(SharingError) in
            try w.run(.transfer(devices: [d.id], toEmail: "stranger@example.com"), as: a)
        }
        w.contact(a, "later@example.com")
        expectFailure(.contactHasNoAccount, subject: "later@example.com", field: .toEmail) { () throws(SharingError) in
            try w.run(.transfer(devices: [d.id], toEmail: "later@example.com"), as: a)
        }
        // Another owner's contact does not count: contacts are per owner.
        let other = w.account("other@example.com")
        w.contact(other, "stranger@example.com")
        expectFailure(.contactNotFound, subject: "stranger@example.com") { () throws(SharingError) in
            try w.run(.transfer(devices: [d.id], toEmail: "stranger@example.com"), as: a)
        }
        // A recipient is refused on the device before the target is looked at.
        expectFailure(.notDeviceOwner) { () throws(SharingError) in
            try w.run(.transfer(devices: [d.id], toEmail: "nobody@example.com"), as: b.id)
        }
        expectFailure(.transferToSelf, field: .toEmail) { () throws(SharingError) in
            try w.run(.transfer(devices: [d.id], toEmail: "a@example.com"), as: a)
        }
        expectFailure(.notDeviceOwner) { () throws(SharingError) in
            try w.run(.transfer(devices: [d.id], toEmail: "a@example.com"), as: b.id)
        }
        expectFailure(.emptySelection) { () throws(SharingError) in
            try w.run(.transfer(devices: [], toEmail: b.email), as: a)
        }
        var limits = Limits()
        limits.maxDevicesPerAccount = 1
        var small = World(limits: limits)
        let x = small.account("x@example.com"), y = small.account("y@example.com")
        small.contact(x, "y@example.com")
        let dx = small.device(x)
        _ = small.device(y)
        expectFailure(.limitExceeded, field: .toEmail) { () throws(SharingError) in
            try small.run(.transfer(devices: [dx.id], toEmail: "y@example.com"), as: x)
        }
    }
}

/// Object-level authorization (OWASP API1): B can neither read nor change A's things.
@Suite struct AuthorizationTests {
    @Test func strangersSeeNothingAndChangeNothing() throws {
        var w = World()
        let a = w.account("a@example.com")
        let b = w.account("b@example.com")
        let c = w.people(a, 1, prefix: "c")[0]
        let d = w.device(a)
        try w.run(.share(devices: [d.id], emails: [c.email], access: .all(), notify: false), as: a)
        let before = w.state

        // Reads.
        #expect(try w.state.listContacts(b, cursor: nil, pageSize: 0).items.isEmpty)
        #expect(try w.state.listDevices(b, cursor: nil, pageSize: 0).items.isEmpty)
        expectFailure(.contactNotFound) { () throws(SharingError) in _ = try w.state.contact(b, email: c.email) }
        expectFailure(.deviceNotFound, subject: d.id.external) { () throws(SharingError) in
            _ = try w.state.device(b, d.id)
        }
        expectFailure(.deviceNotFound) { () throws(SharingError) in
            _ = try w.state.listShares(b, device: d.id, cursor: nil, pageSize: 0)
        }
        expectFailure(.deviceNotFound) { () throws(SharingError) in _ = try w.state.commonSharees(b, devices: [d.id]) }
        #expect(!w.state.check(user: b, device: d.id, port: 22))
        #expect(!w.state.checkScripting(user: b, device: d.id))

        // Writes: a stranger gets "not found" (not "forbidden"), so ids cannot be probed.
        let writes: [SharingCommand] = [
            .renameDevice(d.id, name: "mine"),
            .addService(d.id, ServiceSpec(name: "x", port: 1, protocol: "tcp")),
            .removeService(d.id, d.services[0].id),
            .share(devices: [d.id], emails: [c.email], access: .all(), notify: false),
            .updateShare(device: d.id, email: c.email, access: .all(scripting: true), notify: false),
            .removeShares(devices: [d.id], emails: [c.email], notify: false),
            .transfer(devices: [d.id], toEmail: "b@example.com"),
        ]
        for cmd in writes {
            var copy = w
            expectFailure(.deviceNotFound, subject: d.id.external) { () throws(SharingError) in try copy.run(cmd, as: b)
            }
        }
        var copy = w
        expectFailure(.contactNotFound) { () throws(SharingError) in try copy.run(.deleteContact(email: c.email), as: b)
        }
        expectFailure(.contactNotFound) { () throws(SharingError) in
            try copy.run(.updateContact(email: c.email, fields: ContactFields(firstName: "x")), as: b)
        }
        expectFailure(.shareNotFound) { () throws(SharingError) in try copy.run(.leave(devices: [d.id]), as: b) }
        #expect(w.state.revision == before.revision)
    }
}

@Suite struct CheckTests {
    @Test func ownerRecipientAndStranger() throws {
        var w = World()
        let a = w.account("a@example.com")
        let b = w.people(a, 1)[0]
        let d = w.device(a, ports: [22, 80])
        #expect(w.state.check(user: a, device: d.id, port: 22))
        #expect(!w.state.check(user: a, device: d.id, port: 23))  // no service listens there
        #expect(w.state.checkScripting(user: a, device: d.id))
        #expect(!w.state.check(user: b.id, device: d.id, port: 22))
        #expect(!w.state.check(user: a, device: DeviceID(raw: 12345), port: 22))
        try w.run(.share(devices: [d.id], emails: [b.email], access: .ports([d.services[1].id]), notify: false), as: a)
        #expect(w.state.check(user: b.id, device: d.id, port: 80))
        #expect(!w.state.check(user: b.id, device: d.id, port: 22))
    }

    @Test func sameportTwoProtocols() throws {
        var w = World()
        let a = w.account("a@example.com")
        let b = w.people(a, 1)[0]
        let applied = try w.run(
            .registerDevice(
                name: "dns",
                services: [
                    ServiceSpec(name: "dns-tcp", port: 53, protocol: "tcp"),
                    ServiceSpec(name: "dns-udp", port: 53, protocol: "udp"),
                ]), as: a)
        guard case let .device(d) = applied.outcome else { return }
        try w.run(.share(devices: [d.id], emails: [b.email], access: .ports([d.services[1].id]), notify: false), as: a)
        #expect(w.state.check(user: b.id, device: d.id, port: 53))
    }

    @Test func batchAtMaxAndMaxPlusOne() throws {
        var w = World()
        let a = w.account("a@example.com")
        let d = w.device(a)
        let one = CheckRequest(user: a, device: d.id, port: 22)
        let script = CheckRequest(user: a, device: d.id, port: nil)
        let answers = try w.state.checkBatch(Array(repeating: one, count: 999) + [script])
        #expect(answers.count == 1000 && answers.allSatisfy { $0 })
        expectFailure(.limitExceeded, subject: "1001", field: .checks) { () throws(SharingError) in
            _ = try w.state.checkBatch(Array(repeating: one, count: 1001))
        }
    }
}

@Suite struct TemplateTests {
    @Test(arguments: NotificationTemplate.allCases)
    func everyTemplateRendersInBothLanguages(_ template: NotificationTemplate) throws {
        let data = NotificationData(
            actorEmail: try Email("a@example.com"), otherEmail: try Email("b@example.com"),
            deviceNames: ["pi"], access: .all(scripting: true))
        let en = NotificationTemplates.render(template, language: .en, data: data)
        let ja = NotificationTemplates.render(template, language: .ja, data: data)
        #expect(!en.subject.isEmpty && !en.body.isEmpty)
        #expect(en.subject != ja.subject && en.body != ja.body)
        // Japanese text really is Japanese: it contains kana or kanji.
        #expect(
            ja.body.unicodeScalars.contains {
                (0x3040...0x30FF).contains($0.value) || (0x4E00...0x9FFF).contains($0.value)
            })
        if template != .invite { #expect(ja.body.contains("pi") && en.body.contains("pi")) }
    }

    @Test func japaneseSharedText() throws {
        let data = NotificationData(
            actorEmail: try Email("a@example.com"), deviceNames: ["ラズパイ"], access: .ports([ServiceID(raw: 1)]))
        let r = NotificationTemplates.render(.shared, language: .ja, data: data)
        #expect(r.subject == "a@example.comさんがデバイスを共有しました")
        #expect(r.body == "a@example.comさんが「ラズパイ」をあなたと共有しました。アクセス権：選択したサービス1件。")
    }

    @Test func longDeviceListsAreCut() throws {
        let names = (1...12).map { "d\($0)" }
        let data = NotificationData(actorEmail: try Email("a@example.com"), deviceNames: names, access: .all())
        #expect(NotificationTemplates.render(.shared, language: .en, data: data).body.contains("and 2 more"))
        #expect(NotificationTemplates.render(.shared, language: .ja, data: data).body.contains("ほか2台"))
    }

    @Test func shareNotificationsUseTheSharersContactLanguage() throws {
        var w = World()
        let a = w.account("a@example.com")
        let j = w.account("j@example.com", .ja)
        // The guides: the language the sharer set on the contact is the language of the
        // mails that sharer's actions send to that person, whatever the account says.
        w.contact(a, "j@example.com", language: .en)
        let d = w.device(a)
        let applied = try w.run(.share(devices: [d.id], emails: ["j@example.com"], access: .all(), notify: true), as: a)
        #expect(applied.changes.notifications.map(\.language) == [.en])
        #expect(applied.changes.notifications.map(\.recipient) == [j])
    }
}
