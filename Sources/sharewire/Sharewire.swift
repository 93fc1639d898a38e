import ArgumentParser
import Foundation
import SharewireCLICore

/// `sharewire`: the command-line client of `sharewired` (docs/CLI.md).
@main
struct Sharewire: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sharewire",
        abstract: "Share your devices and their ports with your contacts (a client of sharewired).",
        discussion: """
            Connection settings come from flags, else the environment (SHAREWIRE_ADDRESS, SHAREWIRE_API_KEY, \
            SHAREWIRE_SERVICE_KEY, SHAREWIRE_ACT_AS), else ~/.config/sharewire/config.toml. Output is a table; \
            --json prints JSON. Exit codes: 0 ok, 1 check says no, 2 usage, 3 invalid argument, 4 not found, \
            5 already exists, 6 permission denied, 7 unauthenticated, 8 failed precondition, 9 limit, \
            10 unavailable, 11 timeout, 12 configuration, 13 other (docs/CLI.md).

            \(example("export SHAREWIRE_API_KEY=sw_…",
                      "sharewire devices add pi --service ssh:22",
                      "sharewire share pi --with bob@example.com --ports 22"))
            """,
        version: "0.1.0",
        subcommands: [
            ContactsCommand.self, DevicesCommand.self, ShareCommand.self, UnshareCommand.self, AccessCommand.self,
            CommonShareesCommand.self, LeaveCommand.self, TransferCommand.self, CheckCommand.self,
            EventsCommand.self, NotificationsCommand.self, KeysCommand.self, AdminCommand.self, WhoamiCommand.self,
            AccountCommand.self,
            InvitationsCommand.self,
            StatusCommand.self, LoginCommand.self, ConfigCommand.self, CompletionCommand.self,
        ]
    )

    /// Parses, runs, and turns every failure into a message and an exit code:
    /// usage errors exit 2 (not ArgumentParser's 64), others as in ``CLIExitCode``.
    static func main() async {
        let raw = Array(CommandLine.arguments.dropFirst())
        if let first = raw.first,
            first.hasPrefix("---") || first == "--generate-completion-script"
                || first == "--experimental-dump-help"
        {
            // The completion scripts call back with `---completion …`, and the man page generator
            // asks for `--experimental-dump-help`: ArgumentParser's own protocol, not a user's words.
            await main(raw)
            return
        }
        let arguments = UsageErrors.movingLeadingOptions(raw)
        if let report = UsageErrors.unknownCommand(in: arguments) {
            Output(json: UsageErrors.wantsJSON(arguments)).printReport(report)
            Foundation.exit(report.exitCode)
        }
        let status: Int32
        do {
            var command = try parseAsRoot(arguments)
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
            status = 0
        } catch let exit as ExitCode {
            status = exit.rawValue
        } catch {
            let code = exitCode(for: error)
            if code == .success {
                // --help, --version: ArgumentParser's text, on stdout.
                let message = fullMessage(for: error)
                if !message.isEmpty { FileHandle.standardOutput.write(Data((message + "\n").utf8)) }
                status = 0
            } else if let error = error as? CLIError {
                let report = ErrorReport(error)
                Output(json: UsageErrors.wantsJSON(arguments)).printReport(report)
                status = report.exitCode
            } else {
                // Every usage error exits 2 (not ArgumentParser's 64), in the CLI's error style.
                let report = UsageErrors.report(for: error, arguments: arguments)
                Output(json: UsageErrors.wantsJSON(arguments)).printReport(report)
                status = report.exitCode
            }
        }
        Foundation.exit(status)
    }
}
