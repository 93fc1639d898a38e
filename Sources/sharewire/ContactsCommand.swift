import ArgumentParser
import SharewireCLICore
import SharewireClient

/// `sharewire contacts add|list|edit|rm|invite`.
struct ContactsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "contacts",
        abstract: "Your address book: the people you can share devices with.",
        discussion: example(
            "sharewire contacts add bob@example.com --first-name Bob",
            "sharewire contacts list"),
        subcommands: [Add.self, List.self, Edit.self, Remove.self, Invite.self]
    )

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "add", abstract: "Add a contact.",
            discussion: """
                Only contacts can receive shares, and only once they have an account; invite one who has none \
                with `sharewire contacts invite`.

                \(example("sharewire contacts add bob@example.com --first-name Bob --company Acme",
                          "sharewire contacts add carol@example.jp --language ja"))
                """)
        @Argument(help: "The contact's email.") var email: String
        @Option(help: "First name.") var firstName: String?
        @Option(help: "Last name.") var lastName: String?
        @Option(help: "Company.") var company: String?
        @Option(
            help: "Language of the mails you send them (invite, shares): en or ja (default: their account's, else en).")
        var language: Language?
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            try await connection.run(.account) { client, output in
                let contact = try await client.createContact(
                    email: email, firstName: firstName, lastName: lastName,
                    company: company, language: language)
                output.emit(contact) { Render.contacts([contact]) + output.revisionLine(client.revision) }
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list", abstract: "List your contacts, oldest first, or search them.",
            discussion: """
                With --search, only the contacts whose email, first or last name, full name or company starts \
                with the text (or one of whose later words does), best matches first; case-insensitive, and \
                katakana finds hiragana and full-width letters ASCII.

                \(example("sharewire contacts list", "sharewire contacts list --search yam", "sharewire contacts list --json"))
                """, aliases: ["ls"])
        @Option(help: ArgumentHelp("Only contacts starting with this text, best first.", valueName: "text"))
        var search: String?
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            try await connection.run(.account) { client, output in
                let contacts = try await client.contacts(matching: search, pageSize: 500).collect(limit: 100_000)
                // SHARES: one read per device of yours that has any share.
                let counts =
                    output.format == .json || output.format == .name
                    ? nil
                    : try await OwnerShares.all(client: client).shares.reduce(into: [String: Int]()) {
                        $0[$1.email.lowercased(), default: 0] += 1
                    }
                output.emit(
                    contacts, name: \.email, wide: { Render.contacts(contacts, shareCounts: counts, wide: true) }
                ) {
                    Render.contacts(contacts, shareCounts: counts)
                }
            }
        }
    }

    struct Edit: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "edit", abstract: "Change a contact's names, company or language.",
            discussion: """
                Only the fields given change; an empty value ("") clears one. The email cannot change: remove \
                the contact and add it again.

                \(example("sharewire contacts edit bob@example.com --company \"Acme Ltd\" --language ja"))
                """)
        @Argument(help: "The contact's email.", completion: ServerCompletion.emails()) var email: String
        @Option(help: "First name.") var firstName: String?
        @Option(help: "Last name.") var lastName: String?
        @Option(help: "Company.") var company: String?
        @Option(help: "Language of the mails you send them (invite, shares): en or ja.") var language: Language?
        @OptionGroup var connection: ConnectionOptions

        func validate() throws {
            if firstName == nil, lastName == nil, company == nil, language == nil {
                throw ValidationError("nothing to change: give --first-name, --last-name, --company or --language")
            }
        }

        func run() async throws {
            try await connection.run(.account) { client, output in
                let contact = try await client.updateContact(
                    email: email, firstName: firstName, lastName: lastName,
                    company: company, language: language)
                output.emit(contact) { Render.contacts([contact]) + output.revisionLine(client.revision) }
            }
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "rm", abstract: "Remove a contact, revoking every share you gave them.",
            discussion: """
                Deleting a contact also stops sharing every device of yours with that person, in the same write \
                (docs/DOMAIN.md). Adding them again does not restore the shares. Asks first in a terminal, \
                listing the shares that end; --yes skips the question (and is needed without a terminal).

                \(example("sharewire contacts rm bob@example.com", "sharewire contacts rm bob@example.com --yes"))
                """, aliases: ["remove", "delete"])
        @Argument(help: "The contact's email.", completion: ServerCompletion.emails()) var email: String
        @Flag(help: "Do not notify them of the shares that end.") var noNotify = false
        @OptionGroup var confirm: ConfirmOptions
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            try await connection.run(.account) { client, output in
                let (names, all) = try await OwnerShares.all(client: client)
                let ending = all.filter { $0.email.lowercased() == email.lowercased() }
                // Not a contact: nothing to ask; the server says so below.
                let known = try await client.contacts(pageSize: 500).collect(limit: 100_000)
                    .contains { $0.email.lowercased() == email.lowercased() }
                if known {
                    try confirm.confirm(
                        "contacts rm",
                        summary: ending.isEmpty
                            ? "Remove the contact \(email) (no shares end)."
                            : "Remove the contact \(email) and end \(ending.count == 1 ? "this share" : "these \(ending.count) shares"):\n"
                                + ending.map {
                                    "  \(names[$0.deviceID] ?? $0.deviceID) (\($0.deviceID)): \(Render.accessText($0.access, scripting: $0.scripting))\n"
                                }.joined())
                }
                let result = try await client.deleteContact(
                    email: email, notify: !noNotify, validateOnly: confirm.dryRun)
                output.emit(result) {
                    confirm.resultPrefix
                        + "removed \(email) (\(result.sharesRemoved) share\(result.sharesRemoved == 1 ? "" : "s") revoked)"
                        + output.revisionSuffix(result.revision) + "\n"
                }
            }
        }
    }

    struct Invite: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "invite", abstract: "Invite a contact who has no account yet.",
            discussion: """
                Queues an invite notification in the contact's language (see `sharewire notifications watch`). \
                A second invite within the server's resend window (default one day) is refused unless --resend \
                is given.

                \(example("sharewire contacts invite carol@example.jp"))
                """)
        @Argument(help: "The contact's email.", completion: ServerCompletion.emails()) var email: String
        @Flag(help: "Send it even if an invite went out within the resend window.") var resend = false
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            try await connection.run(.account) { client, output in
                let contact = try await client.inviteContact(email: email, resend: resend)
                output.emit(contact) { Render.contacts([contact]) + output.revisionLine(client.revision) }
            }
        }
    }
}
