import ArgumentParser
import Foundation
import SharewireCLICore
import SharewireClient

/// `sharewire notifications watch|ack`: the server's outbox (service key).
struct NotificationsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "notifications",
        abstract: "Follow the notification outbox (invites, shares, transfers), with the service key.",
        discussion: """
            Notifications are rendered in the recipient's language (en or ja) when the change is written. \
            The outbox is what a mail sender reads; these commands need the service key.

            \(example("sharewire notifications watch --limit 1", "sharewire notifications watch --ack --json"))
            """,
        subcommands: [Watch.self, Ack.self]
    )

    struct Watch: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "watch",
            abstract: "Print notifications as they are queued, until Ctrl-C, --limit or --timeout.",
            discussion: """
                Starts after the consumer's acknowledged cursor (or after --from), prints what is stored, then \
                waits for new ones. Each consumer (--consumer, default "default") has its own cursor. --json prints one JSON object per line. Ctrl-C stops it (exit 130). --timeout ends watching normally (exit 0); \
                with --limit, ending before that many arrived exits 11. With --ack, each printed notification \
                is acknowledged, so the next watch starts after it.

                \(example("sharewire notifications watch --limit 1 --timeout 10",
                          "sharewire notifications watch --from 41 --ack --json",
                          "sharewire notifications watch --consumer audit --ack"))
                """)
        @Option(help: "Start after this sequence (default: after the acknowledged cursor).") var from: UInt64 = 0
        @Option(help: "Stop after this many notifications.") var limit: Int?
        @Option(help: ArgumentHelp("Stop after this many seconds.", valueName: "seconds")) var timeout: String?
        @Flag(help: "Acknowledge each notification once printed.") var ack = false
        @Option(help: "The consumer whose cursor is used (1-64 of A-Z a-z 0-9 . _ -).") var consumer = "default"

        @OptionGroup var connection: ConnectionOptions

        func validate() throws { try Watching.validate(limit: limit, timeout: timeout) }

        /// Ctrl-C (SIGINT) cancels the watch: the server gets a CANCEL, and
        /// the process exits 130 (as a shell reports an interrupt) after what
        /// was printed, without an error message.
        func run() async throws {
            try await Watching.interruptible { try await watch() }
        }

        private func watch() async throws {
            try await connection.run(.service) { client, output in
                try await Watching.read(limit: limit, timeout: timeout, what: "notifications") { options, count in
                    for try await notification in client.watchNotifications(
                        from: from, consumer: consumer, options: options)
                    {
                        output.emitLine(notification) { Render.notification(notification) }
                        if ack { try await client.ackNotifications(through: notification.sequence, consumer: consumer) }
                        count += 1
                        if let limit, count >= limit { return }
                    }
                }
            }
        }
    }

    struct Ack: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "ack", abstract: "Acknowledge every notification through a sequence number.",
            discussion: example("sharewire notifications ack 42", "sharewire notifications ack 42 --consumer mailer"))
        @Argument(help: "The last sequence handled.") var sequence: UInt64
        @Option(help: "The consumer whose cursor moves (1-64 of A-Z a-z 0-9 . _ -).") var consumer = "default"
        @OptionGroup var connection: ConnectionOptions

        struct Acked: Encodable { var acknowledgedSequence: UInt64 }

        func run() async throws {
            try await connection.run(.service) { client, output in
                let acked = try await client.ackNotifications(through: sequence, consumer: consumer)
                output.emit(Acked(acknowledgedSequence: acked)) { "acknowledged through #\(acked)\n" }
            }
        }
    }
}
