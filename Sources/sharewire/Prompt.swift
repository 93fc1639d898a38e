import ArgumentParser
import Foundation
import SharewireCLICore

/// `--yes`: the flag of every command that asks before a destructive change.
struct ConfirmOptions: ParsableArguments {
    @Flag(name: [.customShort("y"), .long], help: "Do not ask for confirmation (needed without a terminal).")
    var yes = false

    @Flag(help: "Show what would change, changing nothing: the server runs every rule (validate_only).")
    var dryRun = false

    /// `(dry run: nothing was changed) ` before a dry run's result line, which
    /// otherwise reads as the real call's would.
    var resultPrefix: String { dryRun ? "(dry run: nothing was changed) " : "" }

    /// Shows `summary` and asks on the terminal, unless `--yes`. Without a
    /// terminal (stdin and stderr), refuses unless `--yes`.
    /// - Throws: ``Confirmation/declined`` (exit 14) for any answer but yes;
    ///   a usage error (exit 2) with no terminal.
    func confirm(_ what: String, summary: String) throws(CLIError) {
        if dryRun { return }  // nothing will change: nothing to confirm
        try YesOption(yes: yes).confirm(what, summary: summary)
    }
}

/// `-y/--yes` alone, for a command that asks first but has no dry run.
struct YesOption: ParsableArguments {
    @Flag(name: [.customShort("y"), .long], help: "Do not ask for confirmation (needed without a terminal).")
    var yes = false

    init() {}
    init(yes: Bool) { self.yes = yes }

    /// Shows `summary` and asks on the terminal, unless `--yes`. Without a
    /// terminal (stdin and stderr), refuses unless `--yes`.
    /// - Throws: ``Confirmation/declined`` (exit 14) for any answer but yes;
    ///   a usage error (exit 2) with no terminal.
    func confirm(_ what: String, summary: String) throws(CLIError) {
        switch Confirmation.decide(yes: yes, interactive: isatty(STDIN_FILENO) == 1 && isatty(STDERR_FILENO) == 1) {
        case .proceed: return
        case .refuse: throw Confirmation.refusal(what)
        case .ask:
            FileHandle.standardError.write(
                Data((summary + (summary.hasSuffix("\n") ? "" : "\n") + "Continue? [y/N] ").utf8))
            guard Confirmation.isYes(readLine(strippingNewline: true)) else { throw Confirmation.declined }
        }
    }
}
