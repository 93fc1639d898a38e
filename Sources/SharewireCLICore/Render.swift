import SharewireClient

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// The human output of each command: tables of SharewireClient values.
/// `--json` prints the values themselves instead (``JSONOutput``).
public enum Render {
    /// `2026-11-23T14:55:10Z`; `-` for none.
    public static func time(_ date: Date?) -> String {
        guard let date else { return "" }
        return date.ISO8601Format()
    }

    /// EMAIL NAME COMPANY LANG ACCOUNT INVITED ID, and SHARES (how many of
    /// your devices each is shared on, by lower-cased email) when `shareCounts` is given.
    public static func contacts(_ contacts: [Contact], shareCounts: [String: Int]? = nil, wide: Bool = false) -> String
    {
        var header = ["EMAIL", "NAME", "COMPANY", "LANG", "ACCOUNT", "INVITED"]
        if shareCounts != nil { header.append("SHARES") }
        header.append("ID")
        if wide { header += ["CREATED", "UPDATED"] }
        var table = Table(header: header)
        for contact in contacts {
            var row = [
                contact.email, contact.name ?? "", contact.company ?? "", contact.language.rawValue,
                contact.hasAccount ? "yes" : "no", time(contact.invitedAt),
            ]
            if let shareCounts { row.append(String(shareCounts[contact.email.lowercased()] ?? 0)) }
            row.append(contact.id)
            if wide { row += [time(contact.createdAt), time(contact.updatedAt)] }
            table.append(row)
        }
        return table.render()
    }

    /// DEVICE EMAIL USER ACCESS SINCE: every share of every device you own.
    /// A TIME LEFT column is added when any share is time-limited.
    public static func allShares(_ shares: [Share], deviceNames: [String: String], now: Date = Date()) -> String {
        let limited = shares.contains { $0.expiresAt != nil }
        var table = Table(header: ["DEVICE", "EMAIL", "USER", "ACCESS", "SINCE"] + (limited ? ["TIME LEFT"] : []))
        for share in shares {
            let device = deviceNames[share.deviceID].map { "\($0) (\(share.deviceID))" } ?? share.deviceID
            table.append(
                [
                    device, share.email, share.userID,
                    accessText(share.access, scripting: share.scripting) + pending(share.acceptBy),
                    time(share.createdAt),
                ]
                    + (limited ? [ShareExpirySyntax.timeLeft(share.expiresAt, now: now)] : []))
        }
        return table.render()
    }

    /// ` (invitation: accept by …)` for a pending invitation, else nothing.
    static func pending(_ acceptBy: Date?) -> String {
        acceptBy.map { " (invitation: accept by \(time($0)))" } ?? ""
    }

    /// `ssh:22/tcp, web:80/http`.
    public static func services(_ services: [Service]) -> String {
        services.map { "\($0.name):\($0.port)/\($0.protocol)" }.joined(separator: ", ")
    }

    /// ID NAME SERVICES OWNER SHARES ACCESS: owned devices show `me` and their
    /// share count; received ones the owner's email (shared by) and the access granted.
    /// `wide` adds the service ids and the times; a TIME LEFT column is added
    /// when any device was shared with a time limit.
    public static func devices(_ devices: [Device], wide: Bool = false, now: Date = Date()) -> String {
        let limited = devices.contains { $0.expiresAt != nil }
        var header = ["ID", "NAME", "SERVICES", "OWNER", "SHARES", "ACCESS"] + (limited ? ["TIME LEFT"] : [])
        if wide { header += ["SERVICE IDS", "CREATED", "UPDATED"] }
        var table = Table(header: header)
        for device in devices {
            var row: [String]
            switch device.role {
            case let .owned(count):
                row = [device.id, device.name, services(device.services), "me", String(count), "owner"]
            case let .shared(by, access, scripting):
                row = [
                    device.id, device.name, services(device.services), by, "",
                    accessText(access, scripting: scripting) + pending(device.acceptBy),
                ]
            }
            if limited { row.append(ShareExpirySyntax.timeLeft(device.expiresAt, now: now)) }
            if wide {
                row += [
                    device.services.map(\.id).joined(separator: ","), time(device.createdAt), time(device.updatedAt),
                ]
            }
            table.append(row)
        }
        return table.render()
    }

    /// ID NAME FROM ACCESS ACCEPT BY: the pending invitations among `devices`
    /// (shared with the caller, not accepted yet), soonest to lapse first.
    public static func invitations(_ devices: [Device]) -> String {
        var table = Table(header: ["ID", "NAME", "FROM", "ACCESS", "ACCEPT BY"])
        for device in pendingInvitations(devices) {
            guard case let .shared(by, access, scripting) = device.role else { continue }
            table.append([device.id, device.name, by, accessText(access, scripting: scripting), time(device.acceptBy)])
        }
        return table.render()
    }

    /// The devices shared with the caller that wait for its acceptance, soonest to lapse first.
    public static func pendingInvitations(_ devices: [Device]) -> [Device] {
        devices.filter { $0.acceptBy != nil }.sorted { ($0.acceptBy!, $0.id) < ($1.acceptBy!, $1.id) }
    }

    /// `ports 22`, `all, scripting`, `scripts only`.
    public static func accessText(_ access: ShareAccess, scripting: Bool) -> String {
        let base: String
        switch (access.mode, access.ports.isEmpty, access.serviceIDs.isEmpty) {
        case (.all, _, _): base = "all"
        case (.ports, true, true): return scripting ? "scripts only" : "nothing"
        case (.ports, false, _): base = "ports " + access.ports.map(String.init).joined(separator: ",")
        case (.ports, true, false): base = "services " + access.serviceIDs.joined(separator: ",")
        }
        return scripting ? base + ", scripting" : base
    }

    /// Like ``accessText(_:scripting:)``, with granted service ids shown as
    /// their ports when the device's `services` are known.
    public static func accessText(_ access: ShareAccess, scripting: Bool, services: [Service]) -> String {
        guard access.mode == .ports else { return accessText(access, scripting: scripting) }
        var ports = Set(access.ports)
        var unknown: [String] = []
        for id in access.serviceIDs {
            if let service = services.first(where: { $0.id == id }) {
                ports.insert(service.port)
            } else {
                unknown.append(id)
            }
        }
        guard unknown.isEmpty else { return accessText(access, scripting: scripting) }
        return accessText(ShareAccess(mode: .ports, ports: ports.sorted()), scripting: scripting)
    }

    /// The device's fields, its services and (for an owner) its shares.
    public static func device(_ device: Device, shares: [Share]?) -> String {
        var text = Table(
            header: ["FIELD", "VALUE"],
            rows: [
                ["id", device.id], ["name", device.name],
                ["owner", device.sharedBy ?? "me"],
                [
                    "access",
                    device.isOwned
                        ? "owner"
                        : {
                            if case let .shared(_, access, scripting) = device.role {
                                return accessText(access, scripting: scripting)
                            }
                            return ""
                        }(),
                ],
                ["created", time(device.createdAt)], ["updated", time(device.updatedAt)],
            ]
        ).render()
        text += "\nSERVICES\n"
        var serviceTable = Table(header: ["ID", "NAME", "PORT", "PROTOCOL"])
        for service in device.services {
            serviceTable.append([service.id, service.name, String(service.port), service.protocol])
        }
        text += serviceTable.render()
        if let shares {
            text += "\nSHARES\n" + Self.shares(shares)
        }
        return text
    }

    /// EMAIL USER ACCESS SINCE, for one device.
    public static func shares(_ shares: [Share], now: Date = Date()) -> String {
        let limited = shares.contains { $0.expiresAt != nil }
        var table = Table(header: ["EMAIL", "USER", "ACCESS", "SINCE"] + (limited ? ["TIME LEFT"] : []))
        for share in shares {
            table.append(
                [
                    share.email, share.userID,
                    accessText(share.access, scripting: share.scripting) + pending(share.acceptBy),
                    time(share.createdAt),
                ]
                    + (limited ? [ShareExpirySyntax.timeLeft(share.expiresAt, now: now)] : []))
        }
        return table.render()
    }

    /// EMAIL USER.
    public static func sharees(_ sharees: [Sharee]) -> String {
        var table = Table(header: ["EMAIL", "USER"])
        for sharee in sharees { table.append([sharee.email, sharee.userID]) }
        return table.render()
    }

    /// ID REV TIME KIND ACTOR DEVICES USERS DETAIL.
    /// Devices are shown by name where `deviceNames` knows them (`pi (dev_1)`).
    public static func events(_ events: [AuditEvent], deviceNames: [String: String] = [:]) -> String {
        var table = Table(header: ["ID", "REV", "TIME", "KIND", "ACTOR", "DEVICES", "USERS", "DETAIL"])
        for event in events {
            table.append([
                event.id, String(event.revision.rawValue), time(event.at), event.kind.rawValue,
                event.actorID,
                event.deviceIDs.map { id in deviceNames[id].map { "\($0) (\(id))" } ?? id }.joined(separator: ","),
                event.userIDs.joined(separator: ","), event.detail,
            ])
        }
        return table.render()
    }

    /// One notification: a header line, then the subject and the body indented.
    /// `r12 dev_1 acc_2 share.removed → none (owner acc_1) 2026-11-23T15:00:00Z`.
    public static func accessChange(_ change: AccessChange) -> String {
        let grant: String =
            switch change.grant {
            case .none: "none"
            case .owner: "owner"
            case let .shared(access, scripting, expiresAt):
                "\(access)" + (scripting ? ", scripting" : "") + (expiresAt.map { " until \(time($0))" } ?? "")
            }
        return
            "\(change.revision) \(change.deviceID) \(change.userID) \(change.kind) → \(grant) (owner \(change.ownerID)) "
            + "\(time(change.at))\n"
    }

    public static func notification(_ notification: OutboxNotification) -> String {
        var text =
            "#\(notification.sequence) \(notification.kind) → \(notification.recipientEmail)"
            + " (\(notification.language)) \(time(notification.createdAt))\n"
        text += "    \(notification.subject)\n"
        for line in notification.body.split(separator: "\n", omittingEmptySubsequences: false) {
            text += "    \(line)\n"
        }
        return text
    }

    /// ID EMAIL LANG CREATED.
    /// An account's API keys: id, name, created, last used (`never`).
    public static func apiKeys(_ keys: [APIKey]) -> String {
        var table = Table(header: ["ID", "NAME", "CREATED", "LAST USED"])
        for key in keys {
            table.append([key.id, key.name, time(key.createdAt), key.lastUsedAt.map(time) ?? "never"])
        }
        return table.render()
    }

    public static func accounts(_ accounts: [Account]) -> String {
        var table = Table(header: ["ID", "EMAIL", "LANG", "CREATED"])
        for account in accounts {
            table.append([account.id, account.email, account.language.rawValue, time(account.createdAt)])
        }
        return table.render()
    }
}
