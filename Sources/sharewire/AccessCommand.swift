import ArgumentParser
import SharewireCLICore
import SharewireClient

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// `sharewire access list|edit`: one person's access to one device.
struct AccessCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "access",
        abstract: "Who may reach a device you own, and what exactly.",
        discussion: example(
            "sharewire access list pi",
            "sharewire access edit pi bob@example.com --ports 22,80 --scripting",
            "sharewire access watch --after 120"),
        subcommands: [List.self, Edit.self, Watch.self]
    )

    struct Watch: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "watch",
            abstract:
                "Print every change that grants or revokes access, as it is committed, until Ctrl-C, --limit or --timeout.",
            discussion: """
                With an account: the changes on the devices it owns and of its own access; with the service key                 (--service, no --act-as): every change. Starts after --after REVISION (the revision a listing                 returned; the server keeps the latest revisions only, and an older one fails with                 ACCESS_CURSOR_EXPIRED: list again), or at the current revision. One line per change, or one JSON                 object per line with --json. Ctrl-C stops it (exit 130); --timeout ends watching normally (exit 0;                 11 with --limit and fewer arrived).

                \(example("sharewire access watch", "sharewire access watch --after 120 --json",
                          "sharewire access watch --service --limit 1 --timeout 10"))
                """)
        @Option(help: "Start after this revision (default: the current one).") var after: UInt64?
        @Option(help: "Stop after this many changes.") var limit: Int?
        @Option(help: ArgumentHelp("Stop after this many seconds.", valueName: "seconds")) var timeout: String?
        @Flag(help: "Watch every account's changes with the service key.") var service = false
        @OptionGroup var connection: ConnectionOptions

        func validate() throws { try Watching.validate(limit: limit, timeout: timeout) }

        func run() async throws {
            try await Watching.interruptible { try await watch() }
        }

        private func watch() async throws {
            try await connection.run(service ? .service : .account) { client, output in
                try await Watching.read(limit: limit, timeout: timeout, what: "access changes") { options, count in
                    for try await batch in client.watchAccessChanges(
                        after: after.map { Revision(rawValue: $0) }, options: options)
                    {
                        for change in batch.changes {
                            output.emitLine(change) { Render.accessChange(change) }
                            count += 1
                            if let limit, count >= limit { return }
                        }
                    }
                }
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list", abstract: "List the shares of a device you own, or of all of them.",
            discussion: example("sharewire access list pi", "sharewire access list --all"), aliases: ["ls"])
        @Argument(help: "A device you own (id or name).", completion: ServerCompletion.devices) var device: String?
        @Flag(help: "Every share of every device you own.") var all = false
        @OptionGroup var connection: ConnectionOptions

        func validate() throws {
            if all == (device != nil) { throw ValidationError("give a device, or --all for every device you own") }
        }

        func run() async throws {
            try await connection.run(.account) { client, output in
                if let device {
                    let id = try await resolveDevices([device], client: client)[0]
                    let shares = try await client.shares(of: id, pageSize: 500).collect(limit: 100_000)
                    output.emit(shares, name: \.email) { Render.shares(shares) }
                } else {
                    let (names, shares) = try await OwnerShares.all(client: client)
                    output.emit(shares, name: { "\($0.deviceID) \($0.email)" }) {
                        Render.allShares(shares, deviceNames: names)
                    }
                }
            }
        }
    }

    struct Edit: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "edit", abstract: "Change one person's access to one device.",
            discussion: """
                Only what you name changes: --add-ports and --remove-ports change the ports, --scripting and \
                --no-scripting turn scripts on or off, and --all, --ports or --services replace the ports and \
                services. The person must already have a share (else exit 4, SHARE_NOT_FOUND). Prints the \
                access before and after. An edit that takes access away asks first in a terminal; --yes skips \
                the question (and is needed without a terminal). --for or --until sets or moves the time limit \
                (earlier or later), --no-expiry removes it; neither keeps it.

                \(example("sharewire access edit pi bob@example.com --add-ports 80",
                          "sharewire access edit pi bob@example.com --no-scripting",
                          "sharewire access edit pi bob@example.com --ports 22 --scripting",
                          "sharewire access edit pi bob@example.com --for 7d"))
                """)
        @Argument(help: "A device you own (id or name).", completion: ServerCompletion.devices) var device: String
        @Argument(help: "The person's email.", completion: ServerCompletion.emails(accountsOnly: true)) var email:
            String
        @Option(help: ArgumentHelp("Replace the ports with these (comma-separated).", valueName: "ports"))
        var ports: String?
        @Flag(help: "Replace the access with the whole device: every service, including ones added later.")
        var all = false
        @Option(
            help: ArgumentHelp(
                "Replace the access with these services by id (comma-separated).", valueName: "service-ids"))
        var services: String?
        @Option(help: ArgumentHelp("Add these ports (comma-separated), keeping the rest.", valueName: "ports"))
        var addPorts: String?
        @Option(help: ArgumentHelp("Remove these ports (comma-separated), keeping the rest.", valueName: "ports"))
        var removePorts: String?
        @Flag(inversion: .prefixedNo, help: "Allow or forbid running scripts (neither: unchanged).")
        var scripting: Bool?
        @OptionGroup var expiry: ExpiryOptions
        @Flag(help: "Remove the time limit: the share no longer ends by itself.") var noExpiry = false
        @Flag(help: "Do not notify them.") var noNotify = false
        @OptionGroup var confirm: ConfirmOptions
        @OptionGroup var connection: ConnectionOptions

        func expiryUpdate(now: Date) throws(CLIError) -> ShareExpiryUpdate {
            if noExpiry {
                if expiry.given { throw CLIError(.usage, "give --for/--until or --no-expiry, not both") }
                return .clear
            }
            return try expiry.date(now: now).map(ShareExpiryUpdate.at) ?? .keep
        }

        func edit() throws(CLIError) -> AccessEdit {
            try AccessEdit.parse(
                all: all, ports: ports, services: services, addPorts: addPorts,
                removePorts: removePorts, scripting: scripting)
        }

        func validate() throws {
            do {
                _ = try edit()
                _ = try expiryUpdate(now: Date())
            } catch { throw ValidationError(error.message) }
        }

        func run() async throws {
            try await connection.run(.account) { client, output in
                let id = try await resolveDevices([device], client: client)[0]
                let found = try await client.device(id)
                let shares = try await client.shares(of: id, pageSize: 500).collect(limit: 100_000)
                guard let share = shares.first(where: { $0.email.lowercased() == email.lowercased() }) else {
                    throw CLIError(
                        .notFound, "\(email) has no share of \(found.name) (\(id))",
                        hint: "share it first: sharewire share \(id) --with \(email) --ports …")
                }
                let (access, scripting) = try edit().applied(to: share, services: found.services)
                if AccessComparison.narrows(share, to: access, scripting: scripting, services: found.services) {
                    try confirm.confirm(
                        "an access edit that takes access away",
                        summary: """
                            This takes access away from \(share.email) on \(found.name) (\(id)):
                              \(Render.accessText(share.access, scripting: share.scripting)) → \(Render.accessText(access, scripting: scripting, services: found.services))
                            """)
                }
                let result = try await client.updateShare(
                    device: id, email: share.email, access: access,
                    scripting: scripting, expiry: try expiryUpdate(now: Date()),
                    notify: !noNotify, validateOnly: confirm.dryRun)
                output.emit(result) {
                    let before = Render.accessText(share.access, scripting: share.scripting)
                    guard result.changed else {
                        return "unchanged: \(share.email) on \(found.name) (\(id)): \(before)\n"
                    }
                    return confirm.resultPrefix
                        + "\(share.email) on \(found.name) (\(id)): \(before) → \(Render.accessText(access, scripting: scripting, services: found.services))"
                        + output.revisionSuffix(result.revision) + "\n"
                }
            }
        }
    }
}

/// Every share of every device the caller owns.
enum OwnerShares {
    /// The owned devices' names by id, and their shares (devices in list
    /// order); a device with no share costs no call.
    static func all(client: SharewireClient) async throws -> (names: [String: String], shares: [Share]) {
        var names: [String: String] = [:]
        var shares: [Share] = []
        for device in try await client.devices(pageSize: 500).collect(limit: 100_000) {
            guard case let .owned(count) = device.role else { continue }
            names[device.id] = device.name
            if count > 0 { shares += try await client.shares(of: device.id, pageSize: 500).collect(limit: 100_000) }
        }
        return (names, shares)
    }
}
