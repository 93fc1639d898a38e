import ArgumentParser
import Foundation
import SharewireCLICore

/// `--yes`: the flag of every command that asks before a destructive change.
struct ConfirmOptions: ParsableArguments {
    @Flag(name: [.customShort("y"), .long], help: "Do not ask for confirmation (needed without a terminal).")
    var yes = false

    /// Shows `summary` and asks on the terminal, unless `--yes`. Without a
    /// terminal (stdin and stderr), refuses unless `--yes`.
    /// - Throws: ``Confirmation/declined`` (exit 14) for any answer but yes;
    ///   a usage error (exit 2) with no terminal.
    func confirm(_ what: String, summary: String) throws(CLIError) {
        switch Confirmation.decide(yes: yes, interactive: isatty(STDIN_FILENO) == 1 && isatty(STDERR_FILENO) == 1) {
        case .proceed: return
        case .refuse: throw Confirmation.refusal(what)
        case .ask:
            FileHandle.standardError.write(Data((summary + (summary.hasSuffix("\n") ? "" : "\n") + "Continue? [y/N] ").utf8))
            guard Confirmation.isYes(readLine(strippingNewline: true)) else { throw Confirmation.declined }
        }
    }
}
