import ArgumentParser
import Foundation
import SharewireMailer
import SharewireSMTP

/// `sharewire-mailer dead-letters`: the messages refused for good.
struct DeadLettersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dead-letters",
        abstract: "List, retry or drop the messages an SMTP server refused for good (5xx).",
        discussion: """
            A refused message is kept as SEQ.eml (the exact message) and SEQ.json (recipient, reason, \
            attempts) in the dead-letter directory, and the queue moves on. Fix the cause (a typo in the \
            contact's address, a relay rule), then retry: the same message is sent again, with the same \
            Message-ID, and the record is removed once the server accepted it.
            """,
        subcommands: [List.self, Retry.self, Drop.self])

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the dead letters, oldest first.")
        @OptionGroup var deadLetters: DeadLetterOptions
        @Flag(help: "One JSON object per line instead of a table.") var json = false

        func run() throws {
            let records = try DeadLetterDirectory(path: deadLetters.deadLetterDir).list()
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys]
                encoder.dateEncodingStrategy = .iso8601
                for record in records { print(String(decoding: try encoder.encode(record), as: UTF8.self)) }
                return
            }
            guard !records.isEmpty else {
                print("No dead letters in \(deadLetters.deadLetterDir).")
                return
            }
            let rows = records.map { r in
                [
                    "\(r.sequence)", r.failedAt.formatted(.iso8601), r.recipients.joined(separator: ","), r.kind,
                    "\(r.attempts)", r.error,
                ]
            }
            printTable(header: ["SEQ", "FAILED AT", "TO", "KIND", "ATTEMPTS", "REASON"], rows: rows)
        }
    }

    struct Retry: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Send dead letters again; each one accepted is removed.",
            discussion:
                "Exits 0 when every one was accepted, 1 when some were refused again (their records are updated).")
        @Argument(help: "The sequences to retry.") var sequences: [UInt64] = []
        @Flag(help: "Retry every dead letter.") var all = false
        @OptionGroup var deadLetters: DeadLetterOptions
        @OptionGroup(title: "Delivery") var transport: TransportOptions

        func validate() throws {
            guard all != !sequences.isEmpty else { throw ValidationError("give the sequences to retry, or --all") }
        }

        func run() async throws {
            let directory = DeadLetterDirectory(path: deadLetters.deadLetterDir)
            let records = try directory.list()
            let chosen =
                all
                ? records
                : try sequences.map { seq in
                    guard let r = records.first(where: { $0.sequence == seq }) else {
                        throw ValidationError("no dead letter \(seq) in \(deadLetters.deadLetterDir)")
                    }
                    return r
                }
            let (sender, described) = try transport.transport()
            var refused = 0
            for var record in chosen {
                do throws(SMTPError) {
                    let message: [UInt8]
                    do { message = try directory.message(record.sequence) } catch {
                        throw SMTPError.unsupported("\(error)")
                    }
                    try await sender.send(message, envelope: record.envelope)
                    try? directory.remove(record.sequence)
                    print("\(record.sequence): sent to \(record.recipients.joined(separator: ",")) via \(described)")
                } catch {
                    refused += 1
                    record.attempts += 1
                    record.error = error.description
                    record.failedAt = Date()
                    try? directory.update(record)
                    print("\(record.sequence): refused again: \(error)")
                }
            }
            if refused > 0 { throw ExitCode(1) }
        }
    }

    struct Drop: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete dead letters without sending them.")
        @Argument(help: "The sequences to drop.") var sequences: [UInt64] = []
        @Flag(help: "Drop every dead letter.") var all = false
        @OptionGroup var deadLetters: DeadLetterOptions

        func validate() throws {
            guard all != !sequences.isEmpty else { throw ValidationError("give the sequences to drop, or --all") }
        }

        func run() throws {
            let directory = DeadLetterDirectory(path: deadLetters.deadLetterDir)
            let targets = all ? try directory.list().map(\.sequence) : sequences
            for seq in targets {
                do {
                    try directory.remove(seq)
                    print("\(seq): dropped")
                } catch {
                    throw ValidationError("\(error)")
                }
            }
        }
    }
}

/// A plain aligned table (two spaces between columns).
func printTable(header: [String], rows: [[String]]) {
    var widths = header.map(\.count)
    for row in rows { for (i, cell) in row.enumerated() { widths[i] = max(widths[i], cell.count) } }
    for row in [header] + rows {
        let cells = row.enumerated().map { i, cell in
            i == row.count - 1 ? cell : cell.padding(toLength: widths[i], withPad: " ", startingAt: 0)
        }
        print(cells.joined(separator: "  "))
    }
}
