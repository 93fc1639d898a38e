import Foundation
import SharewireClient
import SharewireMessages
import SharewireTestSupport
import Testing

/// The client with several endpoints against two real instances on one
/// PostgreSQL database: calls go to ready instances, skip one that refuses
/// connections, move on when an instance dies, and `instances()` reports each.
@Suite(.timeLimit(.minutes(3)))
struct ClusterClientTests {
    @Test("calls spread over the ready instances and never go to one whose connection is failing")
    func callsGoToReadyInstances() async throws {
        try await ClusterInstances.with(2) { cluster in
            let proxies = [
                try await FaultProxy.start(upstreamPort: cluster.instances[0].port),
                try await FaultProxy.start(upstreamPort: cluster.instances[1].port),
            ]
            let dead = try ClosedPort()
            defer { dead.release() }
            let endpoints =
                proxies.map { Endpoint(host: "127.0.0.1", port: $0.port) } + [
                    Endpoint(host: "127.0.0.1", port: dead.port)
                ]
            // No retries: a call sent to the dead endpoint would fail.
            let client = cluster.serviceClient(endpoints: endpoints) { $0.retry = .disabled }
            defer { client.close() }
            try await client.connect()  // two of three reachable: no error
            for index in 0..<30 {
                _ = try await client.createAccount(email: "user\(index)@example.com")
            }
            let counts = proxies.map { $0.requests(.accountCreateAccount) }
            #expect(counts.reduce(0, +) == 30)
            #expect(counts.allSatisfy { $0 >= 5 }, "calls spread over both ready instances: \(counts)")
            for proxy in proxies { await proxy.close() }
        }
    }

    @Test("instances() reports each instance's status, revision and feed staleness, or why it is unreachable")
    func instancesReportsEveryInstance() async throws {
        try await ClusterInstances.with(2) { cluster in
            let dead = try ClosedPort()
            defer { dead.release() }
            let client = cluster.serviceClient(
                endpoints: cluster.endpoints + [Endpoint(host: "127.0.0.1", port: dead.port)])
            defer { client.close() }
            let created = try await client.createAccount(email: "owner@example.com")
            // Both instances reach the write's revision (the feed polls every 100 ms).
            var statuses: [InstanceStatus] = []
            for _ in 0..<100 {  // bounded: 10 s
                statuses = await client.instances()
                if statuses.prefix(2).allSatisfy({ ($0.revision ?? 0) >= created.revision }) { break }
                try await Task.sleep(for: .milliseconds(100))
            }
            #expect(statuses.map(\.endpoint) == client.configuration.endpoints)
            for status in statuses.prefix(2) {
                #expect(status.status == .serving, "\(status)")
                #expect(status.revision == created.revision, "\(status)")
                #expect(status.feedStalenessMilliseconds.map { $0 < 10_000 } == true, "\(status)")
            }
            #expect(statuses[2].status == nil && statuses[2].error?.code == .unavailable, "\(statuses[2])")
            #expect(statuses[2].description.contains("unreachable"))
        }
    }

    @Test("after kill -9 of one instance, reads are retried and new writes land on the other")
    func killedInstanceIsLeftBehind() async throws {
        try await ClusterInstances.with(2) { cluster in
            let client = cluster.serviceClient {
                $0.retry = RetryPolicy(maxAttempts: 4, initialBackoff: .milliseconds(5))
            }
            defer { client.close() }
            try await client.connect()
            _ = try await client.createAccount(email: "before@example.com")
            _ = try await cluster.instances[0].stop(signal: SIGKILL, timeout: .seconds(10))
            // Its port stays closed (best effort) so that no other test's server answers there.
            let held = try? ClosedPort(port: cluster.instances[0].port)
            defer { held?.release() }
            // The client learns of the loss on its next call there (a Health
            // check, which is then unreachable); from then on the instance is not ready.
            var statuses = await client.instances()
            for _ in 0..<50 where statuses[0].status != nil {  // bounded: 5 s
                try await Task.sleep(for: .milliseconds(100))
                statuses = await client.instances()
            }
            // Every call succeeds: a write sent on the dead connection is refused
            // before it is written (not processed) and moves on; reads retry.
            for index in 0..<10 {
                let created = try await client.createAccount(email: "after\(index)@example.com")
                let account = try await client.acting(as: created.account.id).whoami()
                #expect(account.email == "after\(index)@example.com")
            }
            statuses = await client.instances()
            #expect(statuses[0].status == nil && statuses[1].status == .serving, "\(statuses)")
        }
    }
}
