import ArgumentParser
import Logging

/// `sharewire-mailer`: follows the notification outbox of a `sharewired` and
/// sends each notification by SMTP or the local MTA (docs/MAILER.md).
@main
struct MailerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sharewire-mailer",
        abstract: "Send Sharewire's notification e-mails through an SMTP server or the local MTA.",
        discussion: "Without a subcommand it runs the mailer (`sharewire-mailer run`).",
        subcommands: [RunCommand.self, DeadLettersCommand.self],
        defaultSubcommand: RunCommand.self)
}

/// The dead-letter directory option, shared by every command that reads or writes it.
struct DeadLetterOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "Where permanently refused messages are kept (SEQ.eml and SEQ.json).",
            valueName: "dir"))
    var deadLetterDir = "sharewire-data/mailer-dead-letters"
}

/// stderr logging at `level` (validated by the caller).
func bootstrapLogging(_ level: String) {
    let level = Logger.Level(rawValue: level) ?? .info
    LoggingSystem.bootstrap { label in
        var handler = StreamLogHandler.standardError(label: label)
        handler.logLevel = level
        return handler
    }
}
