import ArgumentParser
import SharewireCLICore
import SharewireClient

/// `sharewire admin accounts create|show`: the operator's commands (service key).
struct AdminCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "admin",
        abstract: "Operator commands, with the service key.",
        discussion: example(
            "export SHAREWIRE_SERVICE_KEY=…",
            "sharewire admin accounts create alice@example.com"),
        subcommands: [Accounts.self]
    )

    struct Accounts: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "accounts", abstract: "Create and look up accounts.",
            discussion: example(
                "sharewire admin accounts create bob@example.com --language ja",
                "sharewire admin accounts show bob@example.com"),
            subcommands: [Create.self, Show.self]
        )
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "create", abstract: "Create an account and print its API key (shown only this once).",
            discussion: """
                The key is printed in full exactly once, here: store it (e.g. as SHAREWIRE_API_KEY for that \
                person). --key-only prints just the key, for scripts.

                \(example("sharewire admin accounts create alice@example.com",
                          "ALICE_KEY=$(sharewire admin accounts create alice@example.com --key-only)"))
                """)
        @Argument(help: "The account's email.") var email: String
        @Option(
            help:
                "Language of its notifications: en or ja (default: the language its inviters chose for this email as a contact, else en)."
        )
        var language: Language?
        @Flag(help: "Print only the API key.") var keyOnly = false
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            try await connection.run(.service) { client, output in
                let created = try await client.createAccount(email: email, language: language)
                output.emitNewKey(created, apiKey: created.apiKey, keyOnly: keyOnly) {
                    Render.accounts([created.account]) + output.revisionLine(client.revision)
                }
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "show", abstract: "Show an account, by id or email.",
            discussion: example("sharewire admin accounts show bob@example.com"))
        @Argument(help: "acc_N or email.") var account: String
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            try await connection.run(.service) { client, output in
                let found = try await client.acting(as: account).whoami()
                output.emit(found) { Render.accounts([found]) }
            }
        }
    }
}
