import ArgumentParser
import Foundation
import SharewireCLICore
import SharewireClient

/// `sharewire invitations list|accept|decline`: the shares made with
/// `--require-acceptance` waiting for the caller, and answering them.
struct InvitationsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "invitations",
        abstract: "List, accept or decline devices shared with you that need your acceptance.",
        discussion: """
            A share made with --require-acceptance gives no access until you accept it; `invitations list` \
            and `devices list` show it with its "accept by" time. An invitation not accepted by then lapses \
            (the owner is told).

            \(example("sharewire invitations list", "sharewire invitations accept pi", "sharewire invitations decline dev_3"))
            """,
        subcommands: [List.self, Accept.self, Decline.self]
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list", abstract: "List the invitations waiting for your answer, soonest to lapse first.",
            discussion: """
                FROM is who shared the device; ACCESS what you get once you accept; ACCEPT BY when it lapses.

                \(example("sharewire invitations list", "sharewire invitations list --json"))
                """, aliases: ["ls"])
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            try await connection.run(.account) { client, output in
                let devices = try await client.devices(pageSize: 500).collect(limit: 100_000)
                let pending = Render.pendingInvitations(devices)
                output.emit(pending, name: \.id) { Render.invitations(pending) }
            }
        }
    }

    struct Accept: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "accept", abstract: "Accept invitations: the devices' access starts now.",
            discussion: example("sharewire invitations accept pi nas"))
        @Argument(help: "Devices shared with you (ids or names).", completion: ServerCompletion.devices) var devices:
            [String]
        @OptionGroup var connection: ConnectionOptions

        func run() async throws { try await InvitationsCommand.answer(devices, accept: true, connection) }
    }

    struct Decline: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "decline", abstract: "Decline invitations: the shares are removed.",
            discussion: example("sharewire invitations decline pi"))
        @Argument(help: "Devices shared with you (ids or names).", completion: ServerCompletion.devices) var devices:
            [String]
        @OptionGroup var connection: ConnectionOptions

        func run() async throws { try await InvitationsCommand.answer(devices, accept: false, connection) }
    }

    static func answer(_ devices: [String], accept: Bool, _ connection: ConnectionOptions) async throws {
        try await connection.run(.account) { client, output in
            let ids = try await resolveDevices(devices, client: client)
            let result =
                accept
                ? try await client.acceptInvitations(devices: ids)
                : try await client.declineInvitations(devices: ids)
            output.emit(result) {
                "\(accept ? "accepted" : "declined") \(result.count) invitation\(result.count == 1 ? "" : "s")"
                    + output.revisionSuffix(result.revision) + "\n"
            }
        }
    }
}
