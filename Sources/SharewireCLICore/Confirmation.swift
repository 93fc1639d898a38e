import SharewireClient

/// When a destructive command asks first (docs/CLI.md §1): in a terminal it
/// asks, `--yes` skips the question, and without a terminal it needs `--yes`.
public enum Confirmation: Sendable, Hashable {
    /// Go ahead without asking.
    case proceed
    /// Ask on the terminal.
    case ask
    /// Refuse: there is no one to ask.
    case refuse

    /// The decision for `--yes` and whether stdin and stderr are a terminal.
    public static func decide(yes: Bool, interactive: Bool) -> Confirmation {
        yes ? .proceed : interactive ? .ask : .refuse
    }

    /// True for `y` or `yes`, any case; everything else (Enter included) is no.
    public static func isYes(_ answer: String?) -> Bool {
        guard let answer else { return false }
        let word = answer.trimmingWhitespace().lowercased()
        return word == "y" || word == "yes"
    }

    /// The error for a command that needs `--yes` and has no terminal to ask on.
    public static func refusal(_ what: String) -> CLIError {
        CLIError(
            .usage, "\(what) needs confirmation and there is no terminal to ask on",
            hint: "pass --yes to go ahead (see what it would do first in a terminal)")
    }

    /// The error for a declined question.
    public static let declined = CLIError(.cancelled, "cancelled: nothing was changed")
}

/// Whether new access takes anything away from a share.
public enum AccessComparison {
    /// True when `access`/`scripting` grant less than `old` does: scripting
    /// taken away, the whole device reduced to chosen services, or a port or
    /// service dropped. `services` (the device's) map service ids to ports when known.
    public static func narrows(_ old: Share, to access: ShareAccess, scripting: Bool, services: [Service] = []) -> Bool
    {
        if old.scripting && !scripting { return true }
        switch (old.access.mode, access.mode) {
        case (_, .all): return false
        case (.all, .ports): return true
        case (.ports, .ports):
            // Ports by number grant every service on them, so a service id
            // no longer named is lost only if its port is not granted by number.
            let port = Dictionary(services.map { ($0.id, $0.port) }, uniquingKeysWith: { first, _ in first })
            let byNumber = Set(access.ports)
            if old.access.serviceIDs.isEmpty {
                let granted = byNumber.union(access.serviceIDs.compactMap { port[$0] })
                return !Set(old.access.ports).isSubset(of: granted)
            }
            let kept = Set(access.serviceIDs)
            return old.access.serviceIDs.contains { id in
                !kept.contains(id) && !(port[id].map(byNumber.contains) ?? false)
            }
        }
    }
}
