import SharewireClient

/// The lines `sharewire share` prints: one per (device, person) pair, the
/// access it gets, and for a pair that had a share, what it had before, so a
/// re-share that narrows someone's access is seen, not silent.
public struct ShareReport: Sendable {
    /// More pairs than this are summarised in one line.
    public static let maxLines = 50

    var devices: [String]
    var names: [String: String]
    var emails: [String]
    var existing: [String: [Share]]
    var access: ShareAccess
    var scripting: Bool

    /// A report of sharing `devices` (ids; `names` by id) with `emails`;
    /// `existing` holds each device's shares before the call.
    public init(
        devices: [String], names: [String: String], emails: [String], existing: [String: [Share]],
        access: ShareAccess, scripting: Bool
    ) {
        self.devices = devices
        self.names = names
        self.emails = emails
        self.existing = existing
        self.access = access
        self.scripting = scripting
    }

    /// The pairs whose existing access the new one takes something away
    /// from, as before → after lines; `services` are each device's, by id.
    public func narrowed(services: [String: [Service]]) -> [String] {
        let after = Render.accessText(access, scripting: scripting)
        var lines: [String] = []
        for device in devices {
            for email in emails {
                guard let old = existing[device]?.first(where: { $0.email.lowercased() == email.lowercased() }),
                    AccessComparison.narrows(old, to: access, scripting: scripting, services: services[device] ?? [])
                else { continue }
                lines.append(
                    "\(email) on \(label(device)): \(Render.accessText(old.access, scripting: old.scripting)) → \(after)"
                )
            }
        }
        return lines
    }

    /// The existing shares among `devices` × `emails`, as
    /// `bob@example.com on pi (dev_1): ports 22` lines (what an unshare ends).
    public static func pairs(
        of devices: [String], with emails: [String], names: [String: String],
        existing: [String: [Share]]
    ) -> [String] {
        let wanted = Set(emails.map { $0.lowercased() })
        return devices.flatMap { device in
            (existing[device] ?? []).filter { wanted.contains($0.email.lowercased()) }.map { share in
                let label = names[device].map { "\($0) (\(device))" } ?? device
                return "\(share.email) on \(label): \(Render.accessText(share.access, scripting: share.scripting))"
            }
        }
    }

    func label(_ device: String) -> String { names[device].map { "\($0) (\(device))" } ?? device }

    /// `bob@example.com on pi (dev_1): ports 22,80, scripting → ports 22`, one line per pair.
    public func text() -> String {
        let after = Render.accessText(access, scripting: scripting)
        var lines: [String] = []
        var more = 0
        for device in devices {
            let label = label(device)
            for email in emails {
                guard lines.count < Self.maxLines else {
                    more += 1
                    continue
                }
                let old = existing[device]?.first { $0.email.lowercased() == email.lowercased() }
                switch old.map({ Render.accessText($0.access, scripting: $0.scripting) }) {
                case nil: lines.append("\(email) on \(label): \(after) (new)")
                case after?: lines.append("\(email) on \(label): \(after) (unchanged)")
                case let before?: lines.append("\(email) on \(label): \(before) → \(after)")
                }
            }
        }
        if more > 0 { lines.append("… and \(more) more pair\(more == 1 ? "" : "s")") }
        return lines.map { $0 + "\n" }.joined()
    }
}
