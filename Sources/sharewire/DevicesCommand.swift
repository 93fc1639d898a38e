import ArgumentParser
import SharewireCLICore
import SharewireClient

/// `sharewire devices add|list|show|rename`.
struct DevicesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "devices",
        abstract: "Devices you own and devices shared with you.",
        discussion: """
            Wherever a command takes a DEVICE, give its id (dev_3) or its name, if no other of your devices \
            has that name.

            \(example("sharewire devices add pi --service ssh:22 --service web:80/http",
                      "sharewire devices list",
                      "sharewire devices services add pi vnc:5900"))
            """,
        subcommands: [Add.self, List.self, Show.self, Rename.self, Remove.self, Services.self]
    )

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "add", abstract: "Register a device you own, with its services.",
            discussion: example(
                "sharewire devices add pi --service ssh:22 --service web:80/http",
                "DEVICE=$(sharewire devices add nas --service ssh:22 --quiet)"))
        @Argument(help: "The device's name.") var name: String
        @Option(
            name: .customLong("service"),
            help: ArgumentHelp(
                "A service, NAME:PORT or NAME:PORT/PROTOCOL (protocol tcp by default); repeat for more.",
                valueName: "name:port[/protocol]"))
        var services: [String] = []
        @Flag(name: [.short, .long], help: "Print only the new device's id.") var quiet = false
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            try await connection.run(.account) { client, output in
                var parsed: [NewService] = []
                for spec in services { parsed.append(try ArgumentSyntax.service(spec)) }
                let device = try await client.registerDevice(name: name, services: parsed)
                if quiet, !output.json {
                    output.write(device.id + "\n")
                } else {
                    output.emit(device) { Render.devices([device]) + output.revisionLine(client.revision) }
                }
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list", abstract: "List your devices and those shared with you.",
            discussion: """
                OWNER is `me` for your devices, else the email of who shared it with you; ACCESS is what you \
                may reach on it.

                \(example("sharewire devices list", "sharewire devices list --json"))
                """, aliases: ["ls"])
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            try await connection.run(.account) { client, output in
                let devices = try await client.devices(pageSize: 500).collect(limit: 100_000)
                output.emit(devices, name: \.id, wide: { Render.devices(devices, wide: true) }) {
                    Render.devices(devices)
                }
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "show", abstract: "Show a device, its services and, if you own it, who it is shared with.",
            discussion: example("sharewire devices show pi", "sharewire devices show dev_1 --json"))
        @Argument(help: "The device (id or name).", completion: ServerCompletion.devices) var device: String
        @OptionGroup var connection: ConnectionOptions

        struct Shown: Encodable {
            var device: Device
            var shares: [Share]?
        }

        func run() async throws {
            try await connection.run(.account) { client, output in
                let id = try await resolveDevices([device], client: client)[0]
                let found = try await client.device(id)
                let shares =
                    found.isOwned ? try await client.shares(of: id, pageSize: 500).collect(limit: 100_000) : nil
                output.emit(Shown(device: found, shares: shares)) { Render.device(found, shares: shares) }
            }
        }
    }

    struct Rename: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "rename", abstract: "Rename a device you own.",
            discussion: example("sharewire devices rename pi garage-pi"))
        @Argument(help: "The device (id or name).", completion: ServerCompletion.devices) var device: String
        @Argument(help: "Its new name.") var name: String
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            try await connection.run(.account) { client, output in
                let id = try await resolveDevices([device], client: client)[0]
                let renamed = try await client.renameDevice(id, to: name)
                output.emit(renamed) { Render.devices([renamed]) + output.revisionLine(client.revision) }
            }
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "rm", abstract: "Delete a device you own, its services and every share of it.",
            discussion: """
                Each recipient is notified (unless --no-notify), and brokers watching access changes see their \
                access end. Events that mention the device are kept. Asks first in a terminal; --yes skips the \
                question (and is needed without a terminal); --dry-run shows the count and changes nothing.

                \(example("sharewire devices rm pi", "sharewire devices rm dev_3 --yes --no-notify"))
                """, aliases: ["delete"])
        @Argument(help: "The device (id or name).", completion: ServerCompletion.devices) var device: String
        @Flag(help: "Do not notify the recipients.") var noNotify = false
        @OptionGroup var confirm: ConfirmOptions
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            try await connection.run(.account) { client, output in
                let id = try await resolveDevices([device], client: client)[0]
                let shares = try await client.shares(of: id, pageSize: 500).collect(limit: 100_000)
                let who =
                    shares.prefix(20).map { "  \($0.email)\n" }.joined()
                    + (shares.count > 20 ? "  … and \(shares.count - 20) more\n" : "")
                try confirm.confirm(
                    "devices rm",
                    summary: "Delete \(device) (\(id))"
                        + (shares.isEmpty ? ", shared with nobody." : "; the access of these people ends:\n" + who))
                let result = try await client.deleteDevice(id, notify: !noNotify, validateOnly: confirm.dryRun)
                output.emit(result) {
                    confirm.resultPrefix + "deleted \(id); \(result.count) share\(result.count == 1 ? "" : "s") ended"
                        + output.revisionSuffix(result.revision) + "\n"
                }
            }
        }
    }

    struct Services: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "services", abstract: "Add or remove services of a device you own.",
            discussion: """
                Removing a service also removes it from every port share naming it; whole-device (--all) \
                shares reach a new service at once, port shares do not.

                \(example("sharewire devices services add pi vnc:5900", "sharewire devices services rm pi 5900"))
                """,
            subcommands: [AddService.self, RemoveService.self]
        )
    }

    struct AddService: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "add", abstract: "Add a service to a device you own.",
            discussion: example(
                "sharewire devices services add pi vnc:5900", "sharewire devices services add pi web:80/http"))
        @Argument(help: "A device you own (id or name).", completion: ServerCompletion.devices) var device: String
        @Argument(
            help: ArgumentHelp("The service, NAME:PORT or NAME:PORT/PROTOCOL.", valueName: "name:port[/protocol]"))
        var service: String
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            try await connection.run(.account) { client, output in
                let id = try await resolveDevices([device], client: client)[0]
                let added = try await client.addService(try ArgumentSyntax.service(service), to: id)
                output.emit(added) {
                    "added \(added.name):\(added.port)/\(added.protocol) (\(added.id)) to \(id)"
                        + output.revisionSuffix(client.revision) + "\n"
                }
            }
        }
    }

    struct RemoveService: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "rm", abstract: "Remove a service (by id, or every service on a port) from a device you own.",
            discussion: example("sharewire devices services rm pi svc_3", "sharewire devices services rm pi 5900"),
            aliases: ["remove", "delete"])
        @Argument(help: "A device you own (id or name).", completion: ServerCompletion.devices) var device: String
        @Argument(help: ArgumentHelp("A service id, or a port number.", valueName: "service|port")) var service: String
        @OptionGroup var connection: ConnectionOptions

        struct Removed: Encodable {
            var removed: [String]
            var revision: Revision
        }

        func run() async throws {
            try await connection.run(.account) { client, output in
                let id = try await resolveDevices([device], client: client)[0]
                let found = try await client.device(id)
                let serviceIDs = try ArgumentSyntax.services(matching: service, on: found)
                var revision = Revision.zero
                for serviceID in serviceIDs { revision = try await client.removeService(serviceID, from: id) }
                output.emit(Removed(removed: serviceIDs, revision: revision)) {
                    "removed \(serviceIDs.joined(separator: ", ")) from \(id)" + output.revisionSuffix(revision) + "\n"
                }
            }
        }
    }
}
