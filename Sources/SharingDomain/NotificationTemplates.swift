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
    public init(actorEmail: Email, otherEmail: Email? = nil, deviceNames: [String] = [], access: AccessRequest? = nil) {
        self.actorEmail = actorEmail
        self.otherEmail = otherEmail
        self.deviceNames = deviceNames
        self.access = access
    }
}

/// Renders notifications in English or Japanese.
///
/// Rendered at write time and stored in the outbox, so what was sent is what
/// was recorded, even if templates change later.
public enum NotificationTemplates {
    /// Device names shown in a body before "and N more".
    public static let maxNamesShown = 10

    public static func render(_ template: NotificationTemplate, language: Language,
                              data: NotificationData) -> (subject: String, body: String) {
        let actor = data.actorEmail.value
        let other = data.otherEmail?.value ?? ""
        let names = list(data.deviceNames, language)
        let n = data.deviceNames.count
        switch (template, language) {
        case (.invite, .en):
            return ("\(actor) invited you to Sharewire",
                    "\(actor) wants to share devices with you on Sharewire. Create an account with this email address (\(other)) to get access.")
        case (.invite, .ja):
            return ("\(actor)さんからSharewireへの招待が届きました",
                    "\(actor)さんがSharewireであなたとデバイスを共有しようとしています。このメールアドレス（\(other)）でアカウントを作成すると利用できます。")
        case (.shared, .en):
            return (n == 1 ? "\(actor) shared a device with you" : "\(actor) shared \(n) devices with you",
                    "\(actor) shared \(names) with you. Access: \(accessText(data.access, .en)).")
        case (.shared, .ja):
            return ("デバイスが共有されました",
                    "\(actor)さんが\(names)をあなたと共有しました。アクセス権：\(accessText(data.access, .ja))。")
        case (.shareUpdated, .en):
            return ("Your access to shared devices changed",
                    "\(actor) changed your access to \(names). Access: \(accessText(data.access, .en)).")
        case (.shareUpdated, .ja):
            return ("共有デバイスのアクセス権が変更されました",
                    "\(actor)さんが\(names)へのあなたのアクセス権を変更しました。アクセス権：\(accessText(data.access, .ja))。")
        case (.shareRemoved, .en):
            return ("\(actor) stopped sharing with you",
                    "\(actor) stopped sharing \(names) with you. You no longer have access.")
        case (.shareRemoved, .ja):
            return ("デバイスの共有が解除されました",
                    "\(actor)さんが\(names)の共有を解除しました。これらのデバイスにはアクセスできなくなりました。")
        case (.left, .en):
            return ("\(actor) left a shared device",
                    "\(actor) removed themselves from \(names). They no longer have access.")
        case (.left, .ja):
            return ("共有デバイスから退出しました",
                    "\(actor)さんが\(names)の共有から退出しました。このユーザーはアクセスできなくなりました。")
        case (.transferSent, .en):
            return ("You transferred \(n == 1 ? "a device" : "\(n) devices")",
                    "You transferred \(names) to \(other). All of their shares were removed.")
        case (.transferSent, .ja):
            return ("デバイスを譲渡しました",
                    "\(names)を\(other)さんに譲渡しました。これらのデバイスの共有はすべて解除されました。")
        case (.transferReceived, .en):
            return ("\(actor) transferred \(n == 1 ? "a device" : "\(n) devices") to you",
                    "\(actor) transferred \(names) to you. You are now the owner.")
        case (.transferReceived, .ja):
            return ("デバイスが譲渡されました",
                    "\(actor)さんから\(names)が譲渡されました。あなたが新しい所有者です。")
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
        var text: String
        let ports = access.ports.sorted().map(String.init).joined(separator: ", ")
        let n = access.services.count
        switch (access.mode, language) {
        case (.all, .en): text = "all services"
        case (.all, .ja): text = "すべてのサービス"
        case (.ports, .en):
            var parts: [String] = []
            if !ports.isEmpty { parts.append(access.ports.count == 1 ? "port \(ports)" : "ports \(ports)") }
            if n > 0 { parts.append("\(n) selected service(s)") }
            text = parts.isEmpty ? "no services" : parts.joined(separator: " and ")
        case (.ports, .ja):
            var parts: [String] = []
            if !ports.isEmpty { parts.append("ポート \(ports)") }
            if n > 0 { parts.append("選択したサービス（\(n)件）") }
            text = parts.isEmpty ? "サービスなし" : parts.joined(separator: "、")
        }
        if access.scripting { text += language == .en ? ", scripting allowed" : "、スクリプト実行可" }
        return text
    }
}
