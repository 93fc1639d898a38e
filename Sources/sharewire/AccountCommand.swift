import ArgumentParser
import Foundation
import SharewireCLICore
import SharewireClient

/// `sharewire account delete EMAIL`: the account's own deletion.
struct AccountCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "account",
        abstract: "Your own account (see whoami to show it).",
        discussion: example("sharewire account delete alice@example.com"),
        subcommands: [Delete.self]
    )

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "delete",
            abstract: "Delete your account with its devices, shares and contacts; its API key stops working.",
            discussion: """
                Give the account's own email to confirm which account goes. The recipients of your devices and \
                the owners who shared with you are notified (unless --no-notify); other people's contact entries \
                for you stay, with no account. Events are kept. Asks first in a terminal; --yes skips the \
                question (and is needed without a terminal); --dry-run shows the counts and changes nothing. \
                With the service key, --act-as names the account.

                \(example("sharewire account delete alice@example.com",
                          "sharewire account delete alice@example.com --dry-run --json"))
                """)
        @Argument(help: "The account's own email, as a confirmation.") var email: String
        @Flag(help: "Do not notify the people concerned.") var noNotify = false
        @OptionGroup var confirm: ConfirmOptions
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            try await connection.run(.account) { client, output in
                let preview = try await client.deleteAccount(confirmEmail: email, notify: !noNotify, validateOnly: true)
                try confirm.confirm(
                    "account delete",
                    summary: "Delete the account \(email) with its "
                        + "\(preview.devicesDeleted) devices, \(preview.sharesRemoved) shares and "
                        + "\(preview.contactsDeleted) contacts? Its API key stops working; this cannot be undone.")
                let result =
                    confirm.dryRun
                    ? preview
                    : try await client.deleteAccount(confirmEmail: email, notify: !noNotify)
                output.emit(result) {
                    confirm.resultPrefix
                        + "deleted \(email): \(result.devicesDeleted) devices, \(result.sharesRemoved) "
                        + "shares, \(result.contactsDeleted) contacts" + output.revisionSuffix(result.revision) + "\n"
                }
            }
        }
    }
}
