import ArgumentParser
import Foundation
import SharewireCLICore
import SharewireClient

extension AuditEvent.Kind: ExpressibleByArgument {}

/// `sharewire events`: the audit log.
struct EventsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "events", abstract: "The audit events that concern you, oldest first.",
        discussion: """
            Kinds: \(AuditEvent.Kind.allCases.filter { $0 != .unknown }.map(\.rawValue).joined(separator: ", ")).

            \(example("sharewire events --device pi --kind share.created",
                      "sharewire events --since 2026-01-01T00:00:00Z --limit 20 --json"))
            """)
    @Option(help: "Only events about this device (id or name).", completion: ServerCompletion.devices) var device:
        String?
    @Option(help: "Only events that also concern this account (acc_N).") var user: String?
    @Option(help: "Only this kind.") var kind: AuditEvent.Kind?
    @Option(help: ArgumentHelp("Only events at or after this time (ISO 8601).", valueName: "time")) var since: String?
    @Option(help: ArgumentHelp("Only events before this time (ISO 8601).", valueName: "time")) var until: String?
    @Option(help: "At most this many events.") var limit: Int = 1000
    @OptionGroup var connection: ConnectionOptions

    func validate() throws {
        if limit < 1 { throw ValidationError("--limit must be at least 1") }
        for (name, value) in [("--since", since), ("--until", until)] {
            if let value, Self.date(value) == nil {
                throw ValidationError("\(name) must be an ISO 8601 time such as 2026-01-01T00:00:00Z, not '\(value)'")
            }
        }
    }

    static func date(_ text: String) -> Date? {
        try? Date(text, strategy: .iso8601)
    }

    func run() async throws {
        try await connection.run(.account) { client, output in
            var deviceID: String?
            if let device { deviceID = try await resolveDevices([device], client: client)[0] }
            let filter = EventFilter(
                deviceID: deviceID, userID: user, kind: kind, since: since.flatMap(Self.date),
                until: until.flatMap(Self.date))
            let events = try await client.events(filter, pageSize: min(limit, 500)).collect(limit: limit)
            let names =
                output.format == .json || output.format == .name
                ? [:]
                : try await client.devices(pageSize: 500).collect(limit: 100_000)
                    .reduce(into: [String: String]()) { $0[$1.id] = $1.name }
            output.emit(events, name: \.id) { Render.events(events, deviceNames: names) }
        }
    }
}
