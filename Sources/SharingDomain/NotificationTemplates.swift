/// The values a notification template fills in.
public struct NotificationData: Hashable, Sendable {
    /// Who did it (the sharer, the one who left, the sender of a transfer).
    public var actorEmail: Email
    /// The other party where there is one (the recipient of a transfer).
    public var otherEmail: Email?
    public var deviceNames: [String]
    /// The access as the sharer asked for it (port numbers unresolved, so one
    /// text fits every device of a bulk share).
    public var access: AccessRequest?
    /// For an invitation: how many days it may be accepted in.
    public var days: Int
    public init(
        actorEmail: Email, otherEmail: Email? = nil, deviceNames: [String] = [], access: AccessRequest? = nil,
        days: Int = 0
    ) {
        self.actorEmail = actorEmail
        self.otherEmail = otherEmail
        self.deviceNames = deviceNames
        self.access = access
        self.days = days
    }
}

/// Renders notifications in English or Japanese.
///
/// Rendered at write time and stored in the outbox, so what was sent is what
/// was recorded, even if templates change later.
public enum NotificationTemplates {
    /// Device names shown in a body before "and N more".
    public static let maxNamesShown = 10

    public static func render(
        _ template: NotificationTemplate, language: Language,
        data: NotificationData
    ) -> (subject: String, body: String) {
        let actor = data.actorEmail.value
        let other = data.otherEmail?.value ?? ""
        let names = list(data.deviceNames, language)
        let n = data.deviceNames.count
        let one = n == 1
        // English pronouns and Japanese demonstratives follow the device count:
        // one device is "it" / 「このデバイス」, several "them" / 「これらのデバイス」.
        let it = one ? "it" : "them"
        let kono = one ? "このデバイス" : "これらのデバイス"
        switch (template, language) {
        case (.invite, .en):
            return (
                "\(actor) invited you to Sharewire",
                "\(actor) would like to share devices with you on Sharewire. To get access, create an account "
                    + "with this email address (\(other))."
            )
        case (.invite, .ja):
            return (
                "\(actor)さんからSharewireへの招待が届いています",
                "\(actor)さんがSharewireであなたとデバイスを共有しようとしています。"
                    + "このメールアドレス（\(other)）でアカウントを作成すると、共有されたデバイスを利用できます。"
            )
        case (.shared, .en):
            return (
                one ? "\(actor) shared a device with you" : "\(actor) shared \(n) devices with you",
                "\(actor) shared \(names) with you. Access: \(accessText(data.access, .en))."
            )
        case (.shared, .ja):
            return (
                one ? "\(actor)さんがデバイスを共有しました" : "\(actor)さんが\(n)台のデバイスを共有しました",
                "\(actor)さんが\(names)をあなたと共有しました。アクセス権：\(accessText(data.access, .ja))。"
            )
        case (.shareUpdated, .en):
            return (
                one
                    ? "\(actor) changed your access to a shared device"
                    : "\(actor) changed your access to \(n) shared devices",
                "\(actor) changed your access to \(names). Access now: \(accessText(data.access, .en))."
            )
        case (.shareUpdated, .ja):
            return (
                "\(actor)さんが共有デバイスのアクセス権を変更しました",
                "\(actor)さんが\(names)に対するあなたのアクセス権を変更しました。"
                    + "変更後のアクセス権：\(accessText(data.access, .ja))。"
            )
        case (.shareRemoved, .en):
            return (
                one ? "\(actor) stopped sharing a device with you" : "\(actor) stopped sharing \(n) devices with you",
                "\(actor) stopped sharing \(names) with you. You no longer have access to \(it)."
            )
        case (.shareRemoved, .ja):
            return (
                "\(actor)さんがデバイスの共有を解除しました",
                "\(actor)さんが\(names)の共有を解除しました。\(kono)にはアクセスできなくなりました。"
            )
        case (.left, .en):
            return (
                one ? "\(actor) left a device you shared" : "\(actor) left \(n) devices you shared",
                "\(actor) gave up access to \(names), which you had shared with them. "
                    + "They can no longer reach \(it)."
            )
        case (.left, .ja):
            return (
                "\(actor)さんが共有デバイスから退出しました",
                "あなたが共有していた\(names)から\(actor)さんが退出しました。\(actor)さんは今後\(kono)にアクセスできません。"
            )
        case (.transferSent, .en):
            return (
                "You transferred \(one ? "a device" : "\(n) devices") to \(other)",
                "You transferred \(names) to \(other), who now owns \(it). "
                    + "The people you had shared \(it) with no longer have access."
            )
        case (.transferSent, .ja):
            return (
                "\(other)さんにデバイスを譲渡しました",
                "\(names)を\(other)さんに譲渡しました。\(kono)を共有していた相手は、今後アクセスできません。"
            )
        case (.transferReceived, .en):
            return (
                "\(actor) transferred \(one ? "a device" : "\(n) devices") to you",
                "\(actor) transferred \(names) to you. You are now the owner."
            )
        case (.transferReceived, .ja):
            return (
                "\(actor)さんからデバイスが譲渡されました",
                "\(actor)さんから\(names)が譲渡されました。あなたが新しい所有者です。"
            )
        // Expiry: `actor` is the owner who set the time limit, `other` the recipient.
        case (.shareExpired, .en):
            return (
                one
                    ? "Your access to a device shared by \(actor) has ended"
                    : "Your access to \(n) devices shared by \(actor) has ended",
                "The time limit \(actor) set has passed: you no longer have access to \(names)."
            )
        case (.shareExpired, .ja):
            return (
                "\(actor)さんが共有したデバイスの利用期限が切れました",
                "\(actor)さんが設定した期限が過ぎたため、\(names)にはアクセスできなくなりました。"
            )
        case (.shareExpiredOwner, .en):
            return (
                one
                    ? "\(other)'s access to a device you shared has ended"
                    : "\(other)'s access to \(n) devices you shared has ended",
                "The time limit you set has passed: \(other) no longer has access to \(names)."
            )
        case (.shareExpiredOwner, .ja):
            return (
                "\(other)さんの共有デバイスの利用期限が切れました",
                "設定した期限が過ぎたため、\(other)さんは\(names)にアクセスできなくなりました。"
            )
        case (.shareInvitation, .en):
            return (
                one ? "\(actor) invited you to use a device" : "\(actor) invited you to use \(n) devices",
                "\(actor) wants to share \(names) with you. Access once you accept: \(accessText(data.access, .en)). "
                    + "To accept, run `sharewire invitations accept` with the device (or accept it in your Sharewire "
                    + "app); to decline, `sharewire invitations decline`. Until you accept you have no access, and the "
                    + "invitation lapses if not accepted within \(data.days == 1 ? "1 day" : "\(data.days) days")."
            )
        case (.shareAccepted, .en):
            return (
                one ? "\(actor) accepted a device you shared" : "\(actor) accepted \(n) devices you shared",
                "\(actor) accepted your invitation to \(names) and now has the access you gave."
            )
        case (.shareAccepted, .ja):
            return (
                "\(actor)さんが共有デバイスの招待を承諾しました",
                "\(actor)さんが\(names)への招待を承諾しました。設定したアクセス権で利用できるようになりました。"
            )
        case (.shareDeclined, .en):
            return (
                one ? "\(actor) declined a device you shared" : "\(actor) declined \(n) devices you shared",
                "\(actor) declined your invitation to \(names). They have no access; you may share again later."
            )
        case (.shareDeclined, .ja):
            return (
                "\(actor)さんが共有デバイスの招待を辞退しました",
                "\(actor)さんが\(names)への招待を辞退しました。アクセス権はありません。あとで改めて共有することもできます。"
            )
        // A lapsed invitation: `actor` is the owner who invited, `other` the recipient who did not answer.
        case (.invitationExpired, .en):
            return (
                one
                    ? "Your invitation to \(other) for a device has lapsed"
                    : "Your invitation to \(other) for \(n) devices has lapsed",
                "\(other) did not accept your invitation to \(names) in time, so it lapsed. They have no access; "
                    + "share again to invite them anew."
            )
        case (.invitationExpired, .ja):
            return (
                "\(other)さんへのデバイス共有の招待が期限切れになりました",
                "\(other)さんが期限内に\(names)への招待を承諾しなかったため、招待は無効になりました。"
                    + "アクセス権はありません。改めて招待するには、もう一度共有してください。"
            )
        // Deletions: `actor` deleted the device or closed the account.
        case (.deviceDeleted, .en):
            return (
                one
                    ? "\(actor) deleted a device they shared with you"
                    : "\(actor) deleted \(n) devices they shared with you",
                "\(actor) deleted \(names), which they had shared with you. You no longer have access to \(it)."
            )
        case (.deviceDeleted, .ja):
            return (
                "\(actor)さんが共有していたデバイスを削除しました",
                "\(actor)さんが、あなたと共有していた\(names)を削除しました。\(kono)にはアクセスできなくなりました。"
            )
        case (.accountClosed, .en):
            return (
                "\(actor) closed their Sharewire account",
                "\(actor) closed their Sharewire account, so the sharing of \(names) between you has ended."
            )
        case (.accountClosed, .ja):
            return (
                "\(actor)さんがSharewireのアカウントを削除しました",
                "\(actor)さんがSharewireのアカウントを削除したため、\(names)の共有は終了しました。"
            )
        case (.shareInvitation, .ja):
            return (
                one ? "\(actor)さんからデバイスの共有の招待が届いています" : "\(actor)さんから\(n)台のデバイスの共有の招待が届いています",
                "\(actor)さんが\(names)をあなたと共有しようとしています。承諾後のアクセス権：\(accessText(data.access, .ja))。"
                    + "承諾するには `sharewire invitations accept` にデバイスを指定して実行してください（Sharewireアプリからも承諾できます）。"
                    + "辞退するには `sharewire invitations decline` を実行してください。承諾するまでアクセスはできません。"
                    + "\(data.days)日以内に承諾しないと招待は無効になります。"
            )
        }
    }

    static func list(_ names: [String], _ language: Language) -> String {
        let shown = names.prefix(maxNamesShown)
        let rest = names.count - shown.count
        switch language {
        case .en:
            let quoted = shown.map { "\"\($0)\"" }.joined(separator: ", ")
            return rest > 0 ? "\(quoted) and \(rest) more" : quoted
        case .ja:
            let quoted = shown.map { "「\($0)」" }.joined(separator: "、")
            return rest > 0 ? "\(quoted)ほか\(rest)台" : quoted
        }
    }

    static func accessText(_ access: AccessRequest?, _ language: Language) -> String {
        guard let access else { return language == .en ? "unchanged" : "変更なし" }
        let ports = access.ports.sorted().map(String.init)
        let n = access.services.count
        var parts: [String] = []
        switch (access.mode, language) {
        case (.all, .en): parts = ["all services"]
        case (.all, .ja): parts = ["すべてのサービス"]
        case (.ports, .en):
            if !ports.isEmpty { parts.append((ports.count == 1 ? "port " : "ports ") + ports.joined(separator: ", ")) }
            if n > 0 { parts.append(n == 1 ? "1 selected service" : "\(n) selected services") }
        case (.ports, .ja):
            if !ports.isEmpty { parts.append("ポート" + ports.joined(separator: "、")) }
            if n > 0 { parts.append("選択したサービス\(n)件") }
        }
        // No service but scripts: say so plainly rather than "no services, scripts allowed".
        if parts.isEmpty {
            switch language {
            case .en: return access.scripting ? "scripts only" : "no services"
            case .ja: return access.scripting ? "スクリプトの実行のみ" : "サービスなし"
            }
        }
        switch language {
        case .en:
            let text = parts.joined(separator: " and ")
            return access.scripting ? text + "; scripts allowed" : text
        case .ja:
            let text = parts.joined(separator: "と")
            return access.scripting ? text + "（スクリプトの実行も可）" : text
        }
    }
}
