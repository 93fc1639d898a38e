import Foundation
import Testing

/// `sharewire status` with several addresses (the instances of a cluster):
/// one line per instance, exit 0 only while every one is SERVING.
@Suite(.timeLimit(.minutes(2)))
struct ClusterStatusTests {
    @Test func statusShowsEveryInstance() async throws {
        try await CLIServer.with { first in
            let second = try await CLIServer.start()
            var secondRunning = true
            defer {
                if secondRunning { second.process.killIfRunning() }
                second.dir.remove()
            }
            let cli = try CLI(address: "\(first.address),\(second.address)")
            defer { cli.dir.remove() }

            var result = try await cli.run(["status"])
            #expect(result.status == 0, "\(result)")
            let lines = result.stdout.split(separator: "\n").map(String.init)
            #expect(lines.count == 2, "\(result)")
            #expect(lines.first?.hasPrefix("\(first.address): SERVING at r") == true, "\(result)")
            #expect(lines.last?.hasPrefix("\(second.address): SERVING at r") == true, "\(result)")
            // SQLite instances have no change feed, so no staleness is shown.
            #expect(!result.stdout.contains("feed"), "\(result)")

            result = try await cli.run(["status", "--json"])
            let json = try #require(try result.json() as? [String: Any], "\(result)")
            #expect(json["status"] as? String == "SERVING")
            #expect(json["address"] as? String == "\(first.address),\(second.address)")
            let instances = try #require(json["instances"] as? [[String: Any]])
            #expect(instances.map { $0["address"] as? String } == [first.address, second.address])
            #expect(instances.allSatisfy { $0["revision"] is Int && $0["feedStalenessMs"] == nil })

            // One instance down: it is listed as unreachable, the other still
            // SERVING, and the exit status says not everything is (10).
            _ = try await second.process.stop(signal: SIGTERM, timeout: .seconds(20))
            secondRunning = false
            result = try await cli.run(["status"])
            #expect(result.status == 10, "\(result)")
            #expect(result.stdout.contains("\(first.address): SERVING"), "\(result)")
            #expect(result.stdout.contains("\(second.address): unreachable (UNAVAILABLE: "), "\(result)")
        }
    }
}
