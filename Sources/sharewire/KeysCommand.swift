import ArgumentParser
import SharewireCLICore
import SharewireClient

/// `sharewire keys create|list|revoke`: the account's named API keys.
struct KeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys",
        abstract: "Your account's API keys: create one per machine or backend, see when each was last used, revoke.",
        discussion: """
            To replace a key without downtime: create a new one, move the callers to it, check with \
            `keys list` that the old one is no longer used, then revoke it.

            \(example("sharewire keys create laptop", "sharewire keys list", "sharewire keys revoke key_3"))
            """,
        subcommands: [Create.self, List.self, Revoke.self],
        defaultSubcommand: List.self
    )

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "create", abstract: "Create a named API key and print it (shown only this once).",
            discussion: """
                The name must be unique among your keys (at most 128 bytes). The key is printed in full exactly \
                once: store it. --key-only prints just the key, for scripts.

                \(example("sharewire keys create ci", "CI_KEY=$(sharewire keys create ci --key-only)"))
                """)
        @Argument(help: "A name for the key (the machine or backend that will use it).") var name: String
        @Flag(help: "Print only the API key.") var keyOnly = false
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            try await connection.run(.account) { client, output in
                let created = try await client.createAPIKey(name: name)
                output.emitNewKey(created, apiKey: created.apiKey, keyOnly: keyOnly) {
                    Render.apiKeys([created.key]) + output.revisionLine(client.revision)
                }
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list", abstract: "List your API keys with when each was last used.",
            discussion: """
                LAST USED is accurate to about a minute on the instance that answers, and to about two minutes \
                across instances.

                \(example("sharewire keys list", "sharewire keys list --json"))
                """)
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            try await connection.run(.account) { client, output in
                let keys = try await client.apiKeys()
                output.emit(keys, name: \.id) { Render.apiKeys(keys) }
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "revoke", abstract: "Revoke one of your API keys: its next call fails, everywhere.",
            discussion: """
                Asks first in a terminal; --yes skips the question (and is needed without a terminal). \
                Revoking the key this command runs with is allowed: later commands with it fail.

                \(example("sharewire keys revoke key_3", "sharewire keys revoke key_3 --yes"))
                """)
        @Argument(help: "The key's id (key_N), as `keys list` shows it.") var key: String
        @OptionGroup var confirmation: YesOption
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            try await connection.run(.account) { client, output in
                let keys = try await client.apiKeys()
                if let known = keys.first(where: { $0.id == key }) {
                    try confirmation.confirm(
                        "keys revoke",
                        summary: """
                            Revoke the API key \(known.id) "\(known.name)" (last used \
                            \(known.lastUsedAt.map(Render.time) ?? "never")): every caller using it will fail.
                            """)
                }
                let revoked = try await client.revokeAPIKey(key)
                output.emit(revoked) {
                    "revoked \(revoked.id) \(revoked.name)" + output.revisionSuffix(client.revision) + "\n"
                }
            }
        }
    }
}
