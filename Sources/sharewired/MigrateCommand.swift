import ArgumentParser
import Foundation
import Logging
import SharingPostgres
import SharingStore

/// `sharewired migrate`: brings the store's schema to this binary's version
/// and exits, without loading the state or serving. For a cluster, run it
/// once before starting (or upgrading) the instances; serving also migrates
/// on start, and refuses a schema newer than the binary.
struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Apply the store's schema migrations, then exit (does not serve).",
        discussion: """
            Exit 0 with the schema version on stdout; exit 1 with the reason on
            stderr (store unreachable, schema newer than this sharewired).

            Examples:
              sharewired migrate --store-file /etc/sharewire/store-url
              SHAREWIRE_STORE=postgres://sharewire@db:5432/sharewire sharewired migrate
            """)

    @Option(help: "Directory of the SQLite database, when the store is sqlite (the default).")
    var dataDir = "./sharewire-data"

    @OptionGroup(title: "Store (SQLite or PostgreSQL)") var store: StoreOptions

    func run() async throws {
        do {
            let message = try await migrate()
            print("sharewired migrate: \(message)")
        } catch let failure as StartupFailure {
            throw failure.report()
        }
    }

    private func migrate() async throws -> String {
        let location = try store.location(dataDir: dataDir, environment: ProcessInfo.processInfo.environment)
        switch location {
        case let .sqlite(directory):
            do {
                // Opening migrates (GRDB's migrator) and refuses a newer schema.
                let opened = try SharingStore(directory: directory)
                try opened.close()
            } catch {
                throw StartupFailure(message: "\(error)")
            }
            return "sqlite:\(directory) is at the current schema"
        case var .postgres(config):
            config.poolSize = 2
            do {
                let opened = try await PostgresSharingStore.open(config, logger: Logger(label: "sharewire.postgres"))
                let version = try await opened.schemaVersion()
                try await opened.close()
                return "\(config.redacted) is at schema version \(version)"
            } catch {
                throw StartupFailure(message: "\(error)")
            }
        }
    }
}
