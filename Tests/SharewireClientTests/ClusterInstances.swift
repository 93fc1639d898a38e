import Foundation
import SharewireClient
import SharewireTestSupport
import Testing

/// Real `sharewired` instances sharing one PostgreSQL database (a cluster),
/// each a child process on a loopback port, with the client tests' service key.
struct ClusterInstances {
    let dir: TempDirectory
    /// The database URL they share.
    let url: String
    let instances: [ServerProcess]

    var endpoints: [Endpoint] { instances.map { Endpoint(host: "127.0.0.1", port: $0.port) } }

    /// The last lines of each instance's log, for a failure's message.
    var logTails: String {
        instances.enumerated().map { index, instance in
            "instance\(index): " + instance.log.split(separator: "\n").suffix(15).joined(separator: "\n")
        }.joined(separator: "\n")
    }

    /// Starts `count` instances on a fresh database of the test PostgreSQL
    /// (tools/postgres-test-server), runs `body`, then kills whatever still
    /// runs and drops the database. Skipped (cancelled) without a server.
    static func with(
        _ count: Int, serverURL: String? = nil, extraArguments: [String] = [],
        _ body: (ClusterInstances) async throws -> Void
    ) async throws {
        guard let server = try serverURL ?? PostgresTestDatabase.serverURL() else {
            try Test.cancel(Comment(rawValue: PostgresTestDatabase.skipReason))
        }
        let dir = try TempDirectory("sharewire-cluster-client")
        defer { dir.remove() }
        try await PostgresTestDatabase.with(serverURL: server) { url in
            // Started at once (each launch is mostly waiting for its listening
            // line). Every launch is awaited, so one that fails leaves none
            // of the others running unnoticed: they are killed at the end.
            let launches = await withTaskGroup(of: (Int, Result<ServerProcess, any Error>).self) { group in
                for index in 0..<count {
                    group.addTask {
                        do {
                            return (
                                index,
                                .success(
                                    try await start(
                                        url: url, dir: dir, name: "instance\(index)", extraArguments: extraArguments))
                            )
                        } catch {
                            return (index, .failure(error))
                        }
                    }
                }
                var results: [Int: Result<ServerProcess, any Error>] = [:]
                for await (index, result) in group { results[index] = result }
                return (0..<count).compactMap { results[$0] }
            }
            let started = launches.compactMap { try? $0.get() }
            defer { for instance in started { instance.killIfRunning() } }
            let instances = try launches.map { try $0.get() }
            try await body(ClusterInstances(dir: dir, url: url, instances: instances))
        }
    }

    /// One instance on `url`; the feed polls every 100 ms so a test never
    /// depends on a notification.
    static func start(url: String, dir: TempDirectory, name: String, extraArguments: [String] = []) async throws
        -> ServerProcess
    {
        try await ServerProcess(
            arguments: ["--store", url, "--feed-poll-ms", "100", "--drain-grace-seconds", "5"] + extraArguments,
            environment: ["SHAREWIRE_SERVICE_KEY": LiveServer.serviceKey],
            logTo: dir.file("\(name).log"))
    }

    /// A client of `endpoints` (all instances by default) with the service key.
    func serviceClient(
        endpoints: [Endpoint]? = nil,
        configure: (inout SharewireClient.Configuration) -> Void = { _ in }
    ) -> SharewireClient {
        var configuration = SharewireClient.Configuration(
            endpoints: endpoints ?? self.endpoints,
            credentials: .serviceKey(LiveServer.serviceKey))
        configuration.defaultTimeout = .seconds(20)
        configure(&configuration)
        return SharewireClient(configuration: configuration)
    }
}
