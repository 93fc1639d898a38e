import Testing

@testable import SharingDomain

/// The wording a reader gets: singular and plural, both languages, the
/// access phrases (see docs/DOMAIN.md, Notifications).
@Suite struct NotificationTemplateTests {
    static func data(_ names: [String], _ access: AccessRequest? = nil) throws -> NotificationData {
        NotificationData(
            actorEmail: try Email("alice@example.com"), otherEmail: try Email("bob@example.com"),
            deviceNames: names, access: access)
    }

    @Test func japaneseSaysThisDeviceForOneAndTheseForSeveral() throws {
        for template in [NotificationTemplate.shareRemoved, .left, .transferSent, .deviceDeleted] {
            let one = NotificationTemplates.render(template, language: .ja, data: try Self.data(["pi"]))
            let two = NotificationTemplates.render(template, language: .ja, data: try Self.data(["pi", "nas"]))
            #expect(one.body.contains("このデバイス") && !one.body.contains("これらのデバイス"), "\(template)")
            #expect(two.body.contains("これらのデバイス"), "\(template)")
        }
    }

    @Test func englishPronounsFollowTheCount() throws {
        let one = NotificationTemplates.render(.shareRemoved, language: .en, data: try Self.data(["pi"]))
        let two = NotificationTemplates.render(.shareRemoved, language: .en, data: try Self.data(["pi", "nas"]))
        #expect(
            one == (
                "alice@example.com stopped sharing a device with you",
                "alice@example.com stopped sharing \"pi\" with you. You no longer have access to it."
            ))
        #expect(two.subject == "alice@example.com stopped sharing 2 devices with you")
        #expect(two.body.hasSuffix("You no longer have access to them."))
        let sent = NotificationTemplates.render(.transferSent, language: .en, data: try Self.data(["pi"]))
        #expect(
            sent.body == "You transferred \"pi\" to bob@example.com, who now owns it. "
                + "The people you had shared it with no longer have access.")
    }

    @Test func bothLanguagesNameTheSharerInTheSubject() throws {
        // A notification about the reader's own act names the other party instead:
        // the receiver of a transfer it made, the person whose access it had limited.
        for template in NotificationTemplate.allCases
        where ![.transferSent, .shareExpiredOwner, .invitationExpired].contains(template) {
            for language in Language.allCases {
                let r = NotificationTemplates.render(template, language: language, data: try Self.data(["pi"]))
                #expect(r.subject.contains("alice@example.com"), "\(template) \(language)")
            }
        }
        #expect(
            NotificationTemplates.render(.shared, language: .ja, data: try Self.data(["pi", "nas"])).subject
                == "alice@example.comさんが2台のデバイスを共有しました")
        for template in [NotificationTemplate.shareExpiredOwner, .invitationExpired] {
            for language in Language.allCases {
                let r = NotificationTemplates.render(template, language: language, data: try Self.data(["pi"]))
                #expect(r.subject.contains("bob@example.com") && r.body.contains("pi"), "\(template) \(language)")
            }
        }
        #expect(
            NotificationTemplates.render(.invitationExpired, language: .en, data: try Self.data(["pi", "nas"])).subject
                == "Your invitation to bob@example.com for 2 devices has lapsed")
    }

    @Test func accessPhrases() {
        let svc: Set<ServiceID> = [ServiceID(raw: 1)], svcs: Set<ServiceID> = [ServiceID(raw: 1), ServiceID(raw: 2)]
        #expect(NotificationTemplates.accessText(.ports(svc), .en) == "1 selected service")
        #expect(NotificationTemplates.accessText(.ports(svcs), .en) == "2 selected services")
        #expect(NotificationTemplates.accessText(.ports([], scripting: true), .en) == "scripts only")
        #expect(NotificationTemplates.accessText(.ports([], scripting: true), .ja) == "スクリプトの実行のみ")
        #expect(NotificationTemplates.accessText(.ports([]), .en) == "no services")
        #expect(NotificationTemplates.accessText(.portNumbers([80, 22]), .en) == "ports 22, 80")
        #expect(NotificationTemplates.accessText(.portNumbers([80, 22]), .ja) == "ポート22、80")
        #expect(
            NotificationTemplates.accessText(.portNumbers([22], scripting: true), .en) == "port 22; scripts allowed")
        #expect(NotificationTemplates.accessText(.all(scripting: true), .ja) == "すべてのサービス（スクリプトの実行も可）")
        #expect(NotificationTemplates.accessText(nil, .en) == "unchanged")
    }
}
