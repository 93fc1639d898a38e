import ArgumentParser
import Foundation
import SharewireCLICore
import SharewireClient

/// `sharewire invitations accept|decline DEVICE…`: answering shares made with
/// `--require-acceptance`.
struct InvitationsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "invitations",
        abstract: "Accept or decline devices shared with you that need your acceptance.",
        discussion: """
            A share made with --require-acceptance gives no access until you accept it; `devices list` shows \
            it as "(invitation: accept by …)". An invitation not accepted in time lapses.

            \(example("sharewire invitations accept pi", "sharewire invitations decline dev_3"))
            """,
        subcommands: [Accept.self, Decline.self]
    )

    struct Accept: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "accept", abstract: "Accept invitations: the devices' access starts now.",
            discussion: example("sharewire invitations accept pi nas"))
        @Argument(help: "Devices shared with you (ids or names).", completion: ServerCompletion.devices) var devices: [String]
        @OptionGroup var connection: ConnectionOptions

        func run() async throws { try await InvitationsCommand.answer(devices, accept: true, connection) }
    }

    struct Decline: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "decline", abstract: "Decline invitations: the shares are removed.",
            discussion: example("sharewire invitations decline pi"))
        @Argument(help: "Devices shared with you (ids or names).", completion: ServerCompletion.devices) var devices: [String]
        @OptionGroup var connection: ConnectionOptions

        func run() async throws { try await InvitationsCommand.answer(devices, accept: false, connection) }
    }

    static func answer(_ devices: [String], accept: Bool, _ connection: ConnectionOptions) async throws {
        try await connection.run(.account) { client, output in
            let ids = try await resolveDevices(devices, client: client)
            let result = accept ? try await client.acceptInvitations(devices: ids)
                : try await client.declineInvitations(devices: ids)
            output.emit(result) {
                "\(accept ? "accepted" : "declined") \(result.count) invitation\(result.count == 1 ? "" : "s")"
                    + output.revisionSuffix(result.revision) + "\n"
            }
        }
    }
}
