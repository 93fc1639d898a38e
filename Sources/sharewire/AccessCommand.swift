import ArgumentParser
import SharewireCLICore
import SharewireClient

/// `sharewire access list|edit`: one person's access to one device.
struct AccessCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "access",
        abstract: "Who may reach a device you own, and what exactly.",
        discussion: example("sharewire access list pi",
                            "sharewire access edit pi bob@example.com --ports 22,80 --scripting"),
        subcommands: [List.self, Edit.self]
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list", abstract: "List the shares of a device you own.",
            discussion: example("sharewire access list pi"), aliases: ["ls"])
        @Argument(help: "A device you own (id or name).") var device: String
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            try await connection.run(.account) { client, output in
                let id = try await resolveDevices([device], client: client)[0]
                let shares = try await client.shares(of: id, pageSize: 500).collect(limit: 100_000)
                output.emit(shares) { Render.shares(shares) }
            }
        }
    }

    struct Edit: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "edit", abstract: "Replace one person's access to one device.",
            discussion: """
                The access given replaces the old one entirely: leave out --scripting to take scripting away. \
                The person must already have a share (else exit 4, SHARE_NOT_FOUND).

                \(example("sharewire access edit pi bob@example.com --ports 22,80 --scripting",
                          "sharewire access edit pi bob@example.com --scripting     # scripts only"))
                """)
        @Argument(help: "A device you own (id or name).") var device: String
        @Argument(help: "The person's email.") var email: String
        @OptionGroup var access: AccessOptions
        @Flag(help: "Do not notify them.") var noNotify = false
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            try await connection.run(.account) { client, output in
                let id = try await resolveDevices([device], client: client)[0]
                let result = try await client.updateShare(device: id, email: email, access: try access.access(),
                                                          scripting: access.scripting, notify: !noNotify)
                output.emit(result) {
                    result.changed ? "updated \(email) on \(id) at \(result.revision)\n"
                        : "unchanged: \(email) already has that access on \(id)\n"
                }
            }
        }
    }
}
