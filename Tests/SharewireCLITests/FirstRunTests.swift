import Foundation
import SharewireTestSupport
import Testing

/// The README's first run: `tools/run-server` with no service key configured,
/// then, from a second terminal, `sharewire admin accounts create`.
@Suite(.timeLimit(.minutes(5)), .serialized)
struct FirstRunTests {
    /// tools/run-server, running the debug sharewired (SHAREWIRED_BIN) instead of a release build.
    static var runServer: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("tools/run-server").path
    }

    static func start(dataDir: String, dir: TempDirectory, log: String) async throws -> ServerProcess {
        try await ServerProcess(
            executable: runServer, arguments: ["--data-dir", dataDir],
            environment: ["SHAREWIRED_BIN": try ServerProcess.binary()], logTo: dir.file(log))
    }

    @Test func runServerCreatesAServiceKeyTheCLIThenUses() async throws {
        let dir = try TempDirectory("sharewire-first-run")
        defer { dir.remove() }
        let dataDir = dir.file("sharewire-data")
        let keyFile = dataDir + "/service.key"

        let first = try await Self.start(dataDir: dataDir, dir: dir, log: "first.log")
        // It says where the key is, and how the CLI picks it up.
        #expect(first.stdout.contains("service key in \(keyFile) (created now"), "\(first.stdout)")
        #expect(first.stdout.contains("export SHAREWIRE_SERVICE_KEY_FILE=\"\(keyFile)\""), "\(first.stdout)")
        #expect(
            first.stdout.contains("sharewired: created a new service key in \(keyFile) (mode 0600)"), "\(first.stdout)")
        let attributes = try FileManager.default.attributesOfItem(atPath: keyFile)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        let key = try String(contentsOfFile: keyFile, encoding: .utf8)
        #expect(key.count == 65 && key.hasSuffix("\n") && key.dropLast().allSatisfy(\.isHexDigit), "\(key)")

        // The second terminal as the README has it: export SHAREWIRE_SERVICE_KEY="$(cat …/service.key)".
        let cli = try CLI(address: "127.0.0.1:\(first.port)")
        defer { cli.dir.remove() }
        let created = try await cli.run(
            ["admin", "accounts", "create", "first@example.com", "--key-only"],
            env: ["SHAREWIRE_SERVICE_KEY": String(key.dropLast())])
        #expect(created.status == 0, "\(created)")
        #expect(created.out.hasPrefix("sw_"), "\(created)")
        #expect(try await first.stop(signal: SIGTERM) == 0)

        // The next start reuses the key.
        let second = try await Self.start(dataDir: dataDir, dir: dir, log: "second.log")
        #expect(second.stdout.contains("service key in \(keyFile) (reused"), "\(second.stdout)")
        #expect(!second.stdout.contains("created a new service key"), "\(second.stdout)")
        #expect(try String(contentsOfFile: keyFile, encoding: .utf8) == key)
        // As run-server printed it: export SHAREWIRE_SERVICE_KEY_FILE=….
        let again = try await cli.run(
            [
                "admin", "accounts", "create", "second@example.com", "--key-only",
                "--address", "127.0.0.1:\(second.port)",
            ],
            env: ["SHAREWIRE_SERVICE_KEY_FILE": keyFile])
        #expect(again.status == 0, "\(again)")
        #expect(try await second.stop(signal: SIGTERM) == 0)
    }
}
