import Testing

@testable import SharingDomain

@Suite struct AccountTests {
    @Test func createAndWhoami() throws {
        var w = World()
        let id = w.account("Alice@Example.com", .ja)
        let me = try w.state.whoami(id)
        #expect(me.email.value == "alice@example.com")
        #expect(me.language == .ja)
        #expect(w.state.revision == 1)
        #expect(w.lastChanges.events.map(\.kind) == [.accountCreated])
    }

    @Test func emailIsUniqueCaseInsensitively() {
        var w = World()
        _ = w.account("a@example.com")
        expectFailure(.accountExists, subject: "a@example.com", field: .email) { () throws(SharingError) in
            try w.run(
                .createAccount(email: " A@EXAMPLE.com", language: .en, apiKeyHash: APIKey.hash(APIKey.generate())),
                as: nil)
        }
    }

    /// An account created without a language takes the one its inviters chose
    /// for that email as a contact (docs/DOMAIN.md, "Languages").
    @Test func aNewAccountWithoutALanguageInheritsItFromTheContactEntries() throws {
        var w = World()
        let alice = w.account("alice@example.com")
        let bob = w.account("bob@example.com")
        func create(_ email: String, _ language: Language?) throws -> Account {
            let applied = try w.run(
                .createAccount(
                    email: email, language: language,
                    apiKeyHash: APIKey.hash(APIKey.generate())), as: nil)
            guard case let .account(a) = applied.outcome else {
                throw SharingError(.invalidArgument, message: "no account")
            }
            return a
        }
        // Nobody's contact: English.
        #expect(try create("nobody@example.jp", nil).language == .en)
        #expect(w.lastChanges.events.last?.detail == "language=en from=default")
        // One contact entry in Japanese: Japanese, even though English is the default.
        w.contact(alice, "carol@example.jp", language: .ja)
        #expect(w.state.languageFromContacts(of: try Email("Carol@Example.jp")) == .ja)
        #expect(try create("carol@example.jp", nil).language == .ja)
        #expect(w.lastChanges.events.last?.detail == "language=ja from=contacts")
        // An explicit language always wins.
        w.contact(alice, "dave@example.jp", language: .ja)
        #expect(try create("dave@example.jp", .en).language == .en)
        // Two owners disagree: the entry that sent an invite last decides...
        w.contact(alice, "erin@example.com", language: .ja)
        w.contact(bob, "erin@example.com", language: .en)
        try w.run(.inviteContact(email: "erin@example.com"), as: bob)
        try w.run(.inviteContact(email: "erin@example.com"), as: alice)
        #expect(w.state.languageFromContacts(of: try Email("erin@example.com")) == .ja)
        // ...and without invites, the entry changed last.
        w.contact(alice, "frank@example.com", language: .ja)
        w.contact(bob, "frank@example.com", language: .en)
        #expect(w.state.languageFromContacts(of: try Email("frank@example.com")) == .en)
        try w.run(.updateContact(email: "frank@example.com", fields: ContactFields(firstName: "F")), as: alice)
        #expect(try create("frank@example.com", nil).language == .ja)
        // A deleted entry no longer counts.
        w.contact(alice, "gina@example.com", language: .ja)
        try w.run(.deleteContact(email: "gina@example.com"), as: alice)
        #expect(w.state.languageFromContacts(of: try Email("gina@example.com")) == nil)
        #expect(try create("gina@example.com", nil).language == .en)
    }

    @Test func unknownActorIsUnauthenticated() {
        var w = World()
        expectFailure(.unauthenticated) { () throws(SharingError) in
            try w.run(.registerDevice(name: "x", services: []), as: AccountID(raw: 99))
        }
        expectFailure(.unauthenticated) { () throws(SharingError) in
            try w.run(.registerDevice(name: "x", services: []), as: nil)
        }
        expectFailure(.unauthenticated) { () throws(SharingError) in _ = try w.state.whoami(AccountID(raw: 5)) }
    }
}

@Suite struct ContactTests {
    @Test func createWithOptionalFieldsAndList() throws {
        var w = World()
        let a = w.account("a@example.com")
        try w.run(
            .createContact(
                email: "Bob@Example.com",
                fields: ContactFields(firstName: "Bob", lastName: "B", company: "Acme", language: .ja)), as: a)
        _ = w.account("bob@example.com")
        w.contact(a, "carol@example.com")
        let page = try w.state.listContacts(a, cursor: nil, pageSize: 0)
        #expect(page.items.map(\.contact.email.value) == ["bob@example.com", "carol@example.com"])
        #expect(page.items.map(\.hasAccount) == [true, false])
        #expect(page.items[0].contact.firstName == "Bob")
        #expect(page.items[0].contact.company == "Acme")
        #expect(page.items[0].contact.language == .ja)
        #expect(page.items[1].contact.language == .en)
        #expect(page.nextCursor == nil)
    }

    @Test func errors() {
        var w = World()
        let a = w.account("a@example.com")
        w.contact(a, "b@example.com")
        expectFailure(.contactExists, subject: "b@example.com") { () throws(SharingError) in
            try w.run(.createContact(email: "B@example.com", fields: ContactFields()), as: a)
        }
        expectFailure(.contactIsSelf, subject: "a@example.com") { () throws(SharingError) in
            try w.run(.createContact(email: "a@example.com", fields: ContactFields()), as: a)
        }
        expectFailure(.invalidEmail, field: .email) { () throws(SharingError) in
            try w.run(.createContact(email: "nope", fields: ContactFields()), as: a)
        }
        expectFailure(.contactNotFound, subject: "zed@example.com") { () throws(SharingError) in
            try w.run(.updateContact(email: "zed@example.com", fields: ContactFields(firstName: "Z")), as: a)
        }
        expectFailure(.contactNotFound) { () throws(SharingError) in
            try w.run(.deleteContact(email: "zed@example.com"), as: a)
        }
    }

    @Test func nameLengthAtMaxAndMaxPlusOne() throws {
        var w = World()
        let a = w.account("a@example.com")
        try w.run(
            .createContact(
                email: "b@example.com", fields: ContactFields(firstName: String(repeating: "x", count: 128))), as: a)
        expectFailure(.stringTooLong, field: .lastName) { () throws(SharingError) in
            try w.run(
                .createContact(
                    email: "c@example.com", fields: ContactFields(lastName: String(repeating: "x", count: 129))), as: a)
        }
        // Multi-byte: 42 × 3-byte "あ" = 126 bytes ok; 43 = 129 bytes too long.
        try w.run(
            .updateContact(email: "b@example.com", fields: ContactFields(company: String(repeating: "あ", count: 42))),
            as: a)
        expectFailure(.stringTooLong, field: .company) { () throws(SharingError) in
            try w.run(
                .updateContact(
                    email: "b@example.com", fields: ContactFields(company: String(repeating: "あ", count: 43))), as: a)
        }
    }

    @Test func updateChangesOnlyGivenFieldsAndEmptyClears() throws {
        var w = World()
        let a = w.account("a@example.com")
        try w.run(.createContact(email: "b@example.com", fields: ContactFields(firstName: "B", company: "Acme")), as: a)
        try w.run(.updateContact(email: "b@example.com", fields: ContactFields(lastName: "Bee", company: "")), as: a)
        let c = try w.state.contact(a, email: "b@example.com").contact
        #expect(c.firstName == "B" && c.lastName == "Bee" && c.company == nil)
        #expect(w.lastChanges.events.map(\.kind) == [.contactUpdated])
    }

    @Test func contactsPerAccountLimitAtMaxAndMaxPlusOne() throws {
        var limits = Limits()
        limits.maxContactsPerAccount = 3
        var w = World(limits: limits)
        let a = w.account("a@example.com")
        for i in 0..<3 { w.contact(a, "c\(i)@example.com") }
        expectFailure(.limitExceeded, field: .contacts) { () throws(SharingError) in
            try w.run(.createContact(email: "c3@example.com", fields: ContactFields()), as: a)
        }
    }

    @Test func paginationWithCursorsAtPageSizeLimit() throws {
        var w = World()
        let a = w.account("a@example.com")
        for i in 0..<501 { w.contact(a, "c\(i)@example.com") }
        let first = try w.state.listContacts(a, cursor: nil, pageSize: 500)
        #expect(first.items.count == 500)
        let second = try w.state.listContacts(a, cursor: first.nextCursor, pageSize: 500)
        #expect(second.items.map(\.contact.email.value) == ["c500@example.com"])
        #expect(second.nextCursor == nil)
        expectFailure(.limitExceeded, field: .pageSize) { () throws(SharingError) in
            _ = try w.state.listContacts(a, cursor: nil, pageSize: 501)
        }
    }

    @Test func inviteQueuesNotificationInContactLanguage() throws {
        var w = World()
        let a = w.account("a@example.com")
        w.contact(a, "new@example.com", language: .ja)
        let applied = try w.run(.inviteContact(email: "new@example.com"), as: a)
        let n = try #require(applied.changes.notifications.first)
        #expect(n.template == .invite && n.language == .ja && n.recipient == nil)
        #expect(n.recipientEmail.value == "new@example.com")
        #expect(n.subject.contains("招待"))
        #expect(applied.changes.events.map(\.kind) == [.contactInvited])
        #expect(try w.state.contact(a, email: "new@example.com").contact.invitedAt != nil)
    }

    /// A second invite within the resend window is refused with a reason that
    /// says when, unless resend is asked; at the window's end it goes. Time is
    /// the World's manual clock (each write advances it 1 ms).
    @Test func aSecondInviteWithinTheResendWindowNeedsResend() throws {
        var limits = Limits()
        limits.inviteResendWindowSeconds = 3600
        var w = World(limits: limits)
        let a = w.account("a@example.com")
        w.contact(a, "new@example.com")
        let first = try w.run(.inviteContact(email: "new@example.com"), as: a)
        let sentAt = w.now
        #expect(first.changes.notifications.count == 1)
        w.now = sentAt + 3_600_000 - 2  // the next write runs at the window's end minus 1 ms
        do {
            try w.run(.inviteContact(email: "new@example.com"), as: a)
            Issue.record("a second invite 1 ms inside the window was sent")
        } catch {
            #expect(error.reason == .inviteRecentlySent && error.field == .resend && error.subject == "new@example.com")
            #expect(error.reason.status == .failedPrecondition)
            #expect(error.message.contains("another can go in 1 min, or now with resend"), "\(error)")
        }
        // The failed write moved the clock 1 ms: the next one is exactly the window after. Allowed.
        let second = try w.run(.inviteContact(email: "new@example.com"), as: a)
        #expect(second.changes.notifications.count == 1)
        // Right after, resend sends anyway and restarts the window.
        let resent = try w.run(.inviteContact(email: "new@example.com", resend: true), as: a)
        #expect(resent.changes.notifications.count == 1)
        expectFailure(.inviteRecentlySent) { () throws(SharingError) in
            try w.run(.inviteContact(email: "new@example.com"), as: a)
        }
        // Another owner's invite to the same person has its own window.
        let b = w.account("b@example.com")
        w.contact(b, "new@example.com")
        #expect(try w.run(.inviteContact(email: "new@example.com"), as: b).changes.notifications.count == 1)
    }

    @Test func aZeroResendWindowNeverRefuses() throws {
        var limits = Limits()
        limits.inviteResendWindowSeconds = 0
        var w = World(limits: limits)
        let a = w.account("a@example.com")
        w.contact(a, "new@example.com")
        for _ in 0..<3 { try w.run(.inviteContact(email: "new@example.com"), as: a) }
        #expect(Limits().inviteResendWindowSeconds == 86_400)
    }

    @Test func inviteRefusedWhenContactHasAccount() {
        var w = World()
        let a = w.account("a@example.com")
        _ = w.account("b@example.com")
        w.contact(a, "b@example.com")
        expectFailure(.contactHasAccount, subject: "b@example.com") { () throws(SharingError) in
            try w.run(.inviteContact(email: "b@example.com"), as: a)
        }
    }

    @Test func deletingAContactRevokesTheSharesGivenToThatPerson() throws {
        var w = World()
        let a = w.account("a@example.com")
        let c = w.account("c@example.com")
        let b = w.people(a, 1)[0]
        w.contact(c, b.email)
        let mine = w.device(a)
        let theirs = w.device(c)
        try w.run(.share(devices: [mine.id], emails: [b.email], access: .all(), notify: false), as: a)
        try w.run(.share(devices: [theirs.id], emails: [b.email], access: .all(), notify: false), as: c)
        let applied = try w.run(.deleteContact(email: b.email), as: a)
        #expect(applied.outcome == .count(created: 0, updated: 0, removed: 1))
        #expect(!w.state.check(user: b.id, device: mine.id, port: 22))
        // Another owner's share to the same person is untouched.
        #expect(w.state.check(user: b.id, device: theirs.id, port: 22))
        #expect(applied.changes.events.map(\.kind) == [.shareRemoved, .contactDeleted])
        #expect(applied.changes.notifications.map(\.template) == [.shareRemoved])
        expectFailure(.contactNotFound) { () throws(SharingError) in _ = try w.state.contact(a, email: b.email) }
    }
}

/// Whose language a notification is in: the guides say the language the
/// sharer set on a contact is the language of the mails that sharer's
/// actions send to that person; mails about one's own devices use one's own.
@Suite struct NotificationLanguageTests {
    @Test func theSharersContactLanguageDecidesAndTheOwnersOwnForLeave() throws {
        var w = World()
        let alice = w.account("alice@example.com", .en)
        let bob = w.account("bob@example.com", .en)  // his account says English...
        w.contact(alice, "bob@example.com", language: .ja)  // ...but Alice writes to him in Japanese
        let carol = w.account("carol@example.com", .ja)
        w.contact(carol, "bob@example.com", language: .en)  // Carol, in English
        let pi = w.device(alice, "pi")
        let nas = w.device(carol, "nas")
        func languages() -> [Language] { w.lastChanges.notifications.map(\.language) }

        try w.run(.share(devices: [pi.id], emails: ["bob@example.com"], access: .all(), notify: true), as: alice)
        #expect(languages() == [.ja])
        try w.run(.share(devices: [nas.id], emails: ["bob@example.com"], access: .all(), notify: true), as: carol)
        #expect(languages() == [.en])
        try w.run(
            .updateShare(device: pi.id, email: "bob@example.com", access: .portNumbers([22]), notify: true),
            as: alice)
        #expect(languages() == [.ja])
        #expect(w.lastChanges.notifications.first?.subject.contains("さん") == true)
        // Bob leaves Carol's device: Carol is told in her own (account) language.
        try w.run(.leave(devices: [nas.id]), as: bob)
        #expect(w.lastChanges.notifications.map(\.recipientEmail.value) == ["carol@example.com"])
        #expect(languages() == [.ja])
        try w.run(.removeShares(devices: [pi.id], emails: ["bob@example.com"], notify: true), as: alice)
        #expect(languages() == [.ja])
        // Deleting the contact revokes in the contact's language, read before it is gone.
        try w.run(.share(devices: [pi.id], emails: ["bob@example.com"], access: .all(), notify: false), as: alice)
        try w.run(.deleteContact(email: "bob@example.com"), as: alice)
        #expect(languages() == [.ja])
        // A transfer: the receiver in the contact language Alice chose, Alice in her own.
        w.contact(alice, "carol@example.com", language: .en)
        try w.run(.transfer(devices: [pi.id], toEmail: "carol@example.com"), as: alice)
        let byRecipient = Dictionary(
            uniqueKeysWithValues: w.lastChanges.notifications.map {
                ($0.recipientEmail.value, $0.language)
            })
        #expect(byRecipient == ["alice@example.com": .en, "carol@example.com": .en])
        _ = carol
    }
}
