import ArgumentParser
import SharewireCLICore
import SharewireClient

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// What to grant: `--all`, `--ports`, `--services`, `--scripting`.
struct AccessOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "Share these ports (comma-separated), resolved on each device to its services on them.",
            valueName: "ports"))
    var ports: String?

    @Flag(help: "Share the whole device: every service, including ones added later.")
    var all = false

    @Option(help: ArgumentHelp("Share these services by id (comma-separated).", valueName: "service-ids"))
    var services: String?

    @Flag(help: "Also allow running scripts on the device (alone: scripts only).")
    var scripting = false

    func validate() throws {
        do {
            _ = try access()
        } catch {
            throw ValidationError(error.message)
        }
    }

    func access() throws(CLIError) -> ShareAccess {
        try ArgumentSyntax.access(all: all, ports: ports, services: services, scripting: scripting)
    }
}

/// A share's time limit: `--for DURATION` or `--until TIME`.
struct ExpiryOptions: ParsableArguments {
    @Option(
        name: .customLong("for"),
        help: ArgumentHelp("Access ends after this long: 90s, 45m, 2h, 1h30m, 7d.", valueName: "duration"))
    var duration: String?

    @Option(
        help: ArgumentHelp(
            "Access ends at this time (ISO 8601 with a zone, e.g. 2027-01-31T12:00Z).",
            valueName: "time"))
    var until: String?

    func validate() throws {
        do { _ = try date(now: Date()) } catch { throw ValidationError(error.message) }
    }

    /// The expiry asked for, or `nil` for none.
    func date(now: Date) throws(CLIError) -> Date? {
        try ShareExpirySyntax.expiry(for: duration, until: until, now: now)
    }

    /// Whether --for or --until was given.
    var given: Bool { duration != nil || until != nil }
}

/// `sharewire share DEVICE… --with EMAIL… [--ports 22,80 | --all] [--scripting] [--for 2h | --until T]`.
struct ShareCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "share", abstract: "Share devices with contacts, all with the same access (all or nothing).",
        discussion: """
            Every EMAIL must be a contact of yours with an account; if one is not, nothing is shared and the \
            error names the email (invite them with `sharewire contacts invite`). Sharing again replaces a \
            person's access; if that takes access away, it asks first in a terminal (--yes skips the question \
            and is needed without a terminal). Give people with --with, comma-separated or repeated: every word that is not \
            an option's value is a device.

            A time limit: --for 2h (90s, 45m, 1h30m, 7d) or --until 2027-01-31T12:00Z. From that instant the \
            access checks say no; both sides are notified once it has ended. Sharing again replaces the limit \
            (no --for/--until: none).

            \(example("sharewire share pi nas --with bob@example.com,carol@example.jp --ports 22",
                      "sharewire share dev_1 --with bob@example.com --all",
                      "sharewire share pi --with bob@example.com --ports 22 --for 2h"))
            """)
    @Argument(help: "Devices you own (ids or names).", completion: ServerCompletion.devices) var devices: [String]
    @Option(
        name: .customLong("with"),
        help: ArgumentHelp(
            "Contact emails to share with (comma-separated; repeatable).",
            valueName: "emails"), completion: ServerCompletion.emails(accountsOnly: true))
    var with: [String] = []
    @OptionGroup var access: AccessOptions
    @OptionGroup var expiry: ExpiryOptions
    @Flag(help: "Do not notify the recipients.") var noNotify = false
    @Flag(
        help:
            "People without access get an invitation they must accept (sharewire invitations accept) before it gives access."
    )
    var requireAcceptance = false
    @OptionGroup var confirm: ConfirmOptions
    @OptionGroup var connection: ConnectionOptions

    func validate() throws {
        if with.isEmpty { throw ValidationError("say who to share with: --with EMAIL[,EMAIL…]") }
        _ = try emails()
        try expiry.validate()
    }

    func emails() throws(CLIError) -> [String] { try ArgumentSyntax.emails(with, option: "--with") }

    func run() async throws {
        try await connection.run(.account) { client, output in
            let ids = try await resolveDevices(devices, client: client)
            let emails = try emails()
            let granted = try access.access()
            // What each pair had before, so replaced access is shown, not silent, and taking
            // access away is asked first.
            let before = try await ShareReport.existing(on: ids, client: client)
            let report = ShareReport(
                devices: ids, names: before.names, emails: emails, existing: before.shares,
                access: granted, scripting: access.scripting)
            let narrowed = report.narrowed(services: before.services)
            if !narrowed.isEmpty {
                try confirm.confirm(
                    "sharing that takes access away",
                    summary: "This takes access away:\n" + narrowed.map { "  \($0)\n" }.joined())
            }
            let result = try await client.share(
                devices: ids, with: emails, access: granted,
                scripting: access.scripting, expiresAt: try expiry.date(now: Date()),
                requireAcceptance: requireAcceptance, notify: !noNotify,
                validateOnly: confirm.dryRun)
            output.emit(result) {
                report.text() + confirm.resultPrefix + "\(result.created) created, \(result.updated) updated"
                    + output.revisionSuffix(result.revision) + "\n"
            }
        }
    }
}

extension ShareReport {
    /// The devices' names, services and current shares, read before a share replaces them.
    static func existing(on ids: [String], client: SharewireClient) async throws
        -> (names: [String: String], services: [String: [Service]], shares: [String: [Share]])
    {
        var names: [String: String] = [:]
        var services: [String: [Service]] = [:]
        var shares: [String: [Share]] = [:]
        for device in try await client.devices(pageSize: 500).collect(limit: 100_000) where ids.contains(device.id) {
            names[device.id] = device.name
            services[device.id] = device.services
        }
        for id in Set(ids) {
            shares[id] = try await client.shares(of: id, pageSize: 500).collect(limit: 100_000)
        }
        return (names, services, shares)
    }
}

/// `sharewire unshare DEVICE… --from EMAIL…`.
struct UnshareCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "unshare", abstract: "Stop sharing devices with people (all or nothing).",
        discussion: """
            Pairs without a share are skipped; when none of the pairs has one, nothing is removed and the \
            command fails with exit 4 (not found). Asks first in a terminal; --yes skips the question (and is \
            needed without a terminal). Give people with --from, comma-separated or repeated. To \
            offer only the people shared on every chosen device, see `sharewire common-sharees`.

            \(example("sharewire unshare pi nas --from bob@example.com,carol@example.com"))
            """)
    @Argument(help: "Devices you own (ids or names).", completion: ServerCompletion.devices) var devices: [String]
    @Option(
        name: .customLong("from"),
        help: ArgumentHelp(
            "Emails to stop sharing with (comma-separated; repeatable).",
            valueName: "emails"), completion: ServerCompletion.emails(accountsOnly: true))
    var from: [String] = []
    @Flag(help: "Do not notify them.") var noNotify = false
    @OptionGroup var confirm: ConfirmOptions
    @OptionGroup var connection: ConnectionOptions

    func validate() throws {
        if from.isEmpty { throw ValidationError("say who to stop sharing with: --from EMAIL[,EMAIL…]") }
        _ = try ArgumentSyntax.emails(from, option: "--from")
    }

    func run() async throws {
        try await connection.run(.account) { client, output in
            let ids = try await resolveDevices(devices, client: client)
            let emails = try ArgumentSyntax.emails(from, option: "--from")
            let before = try await ShareReport.existing(on: ids, client: client)
            let ending = ShareReport.pairs(of: ids, with: emails, names: before.names, existing: before.shares)
            // No pair has a share: nothing to ask; the server says so below.
            if !ending.isEmpty {
                try confirm.confirm("unshare", summary: "Stop sharing:\n" + ending.map { "  \($0)\n" }.joined())
            }
            let result = try await client.removeShares(
                devices: ids, from: emails, notify: !noNotify,
                validateOnly: confirm.dryRun)
            guard result.count > 0 else {
                throw CLIError(
                    .notFound,
                    "no share of \(devices.joined(separator: ", ")) with \(emails.joined(separator: ", ")): nothing removed",
                    hint: "see who has access with `sharewire access list DEVICE`")
            }
            output.emit(result) {
                confirm.resultPrefix + "removed \(result.count) share\(result.count == 1 ? "" : "s")"
                    + output.revisionSuffix(result.revision) + "\n"
            }
        }
    }
}

/// `sharewire common-sharees DEVICE…`.
struct CommonShareesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "common-sharees", abstract: "The people shared on every one of these devices.",
        discussion: """
            What a bulk `unshare` of these devices can offer.

            \(example("sharewire common-sharees pi nas"))
            """)
    @Argument(help: "Devices you own (ids or names).", completion: ServerCompletion.devices) var devices: [String]
    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        try await connection.run(.account) { client, output in
            let ids = try await resolveDevices(devices, client: client)
            let sharees = try await client.commonSharees(devices: ids)
            output.emit(sharees, name: \.email) { Render.sharees(sharees) }
        }
    }
}

/// `sharewire leave DEVICE…`.
struct LeaveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "leave", abstract: "Give up your access to devices shared with you.",
        discussion: """
            Each owner is notified. Asks first in a terminal; --yes skips the question (and is needed \
            without a terminal).

            \(example("sharewire leave pi", "sharewire leave pi --yes"))
            """)
    @Argument(help: "Devices shared with you (ids or names).", completion: ServerCompletion.devices) var devices:
        [String]
    @Flag(help: "Do not notify the owners (for a caller that tells them itself).") var noNotify = false
    @OptionGroup var confirm: ConfirmOptions
    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        try await connection.run(.account) { client, output in
            let ids = try await resolveDevices(devices, client: client)
            let known = try await client.devices(pageSize: 500).collect(limit: 100_000)
            let lines = ids.map { id in
                guard let device = known.first(where: { $0.id == id }),
                    case let .shared(by, access, scripting) = device.role
                else { return "  \(id)\n" }
                return "  \(device.name) (\(id)), shared by \(by): \(Render.accessText(access, scripting: scripting))\n"
            }
            try confirm.confirm("leave", summary: "Give up your access to:\n" + lines.joined())
            let result = try await client.leave(devices: ids, notify: !noNotify, validateOnly: confirm.dryRun)
            output.emit(result) {
                confirm.resultPrefix + "left \(result.count) device\(result.count == 1 ? "" : "s")"
                    + output.revisionSuffix(result.revision) + "\n"
            }
        }
    }
}

/// `sharewire transfer DEVICE… --to EMAIL`.
struct TransferCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "transfer", abstract: "Give devices to one of your contacts; every share on them ends.",
        discussion: """
            The new owner must be one of your contacts with an account (as for share). Both sides and every \
            former recipient are notified. Asks first in a terminal; --yes skips the \
            question (and is needed without a terminal).

            \(example("sharewire transfer pi --to bob@example.com", "sharewire transfer pi --to bob@example.com --yes"))
            """)
    @Argument(help: "Devices you own (ids or names).", completion: ServerCompletion.devices) var devices: [String]
    @Option(
        name: .customLong("to"),
        help: ArgumentHelp("The new owner: a contact of yours with an account.", valueName: "email"),
        completion: ServerCompletion.emails(accountsOnly: true)) var email: String
    @Flag(help: "Do not notify the new owner, you or the former recipients.") var noNotify = false
    @OptionGroup var confirm: ConfirmOptions
    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        try await connection.run(.account) { client, output in
            let ids = try await resolveDevices(devices, client: client)
            let known = try await client.devices(pageSize: 500).collect(limit: 100_000)
            let lines = ids.map { id in
                guard let device = known.first(where: { $0.id == id }), case let .owned(count) = device.role else {
                    return "  \(id)\n"
                }
                return "  \(device.name) (\(id))"
                    + (count > 0 ? ": its \(count) share\(count == 1 ? "" : "s") end" : "") + "\n"
            }
            try confirm.confirm("transfer", summary: "Give to \(email), who becomes the owner:\n" + lines.joined())
            let result = try await client.transfer(
                devices: ids, to: email, notify: !noNotify, validateOnly: confirm.dryRun)
            output.emit(result) {
                confirm.resultPrefix + "transferred \(result.count) device\(result.count == 1 ? "" : "s") to \(email)"
                    + output.revisionSuffix(result.revision) + "\n"
            }
        }
    }
}
