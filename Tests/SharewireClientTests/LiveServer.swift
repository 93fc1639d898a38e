import Foundation
import SharewireClient
import SharewireTestSupport

/// A real `sharewired` child process (``SharewiredChild``) on a loopback
/// port, over a fresh temp data dir, with a service key; plus helpers to
/// make clients for it.
struct LiveServer: TestServerHarness {
    static let serviceKey = "client-tests-service-key-0c5e7f2a9b1d4e6f8a3c"

    let child: SharewiredChild

    var dir: TempDirectory { child.dir }
    var process: ServerProcess { child.process }
    var port: Int { child.port }
    var endpoint: Endpoint { Endpoint(host: "127.0.0.1", port: port) }

    static func start(_ extraArguments: [String] = []) async throws -> LiveServer {
        LiveServer(
            child: try await SharewiredChild.start(
                serviceKey: serviceKey, arguments: extraArguments, dirPrefix: "sharewire-client-test"))
    }

    /// Runs `body` against a fresh server, then stops it (SIGTERM) and removes its data.
    static func with<T>(
        _ extraArguments: [String] = [],
        _ body: (LiveServer) async throws -> T
    ) async throws -> T {
        try await withStarted({ try await start(extraArguments) }, stop: { await $0.stop() }, body)
    }

    func stop() async { await child.stop() }

    /// A client with the service key (optionally acting for an account).
    func serviceClient(
        actingAs account: String? = nil, endpoint: Endpoint? = nil,
        configure: (inout SharewireClient.Configuration) -> Void = { _ in }
    ) -> SharewireClient {
        var configuration = SharewireClient.Configuration(
            endpoint: endpoint ?? self.endpoint,
            credentials: .serviceKey(Self.serviceKey, actingAs: account))
        configuration.defaultTimeout = .seconds(20)
        configure(&configuration)
        return SharewireClient(configuration: configuration)
    }

    /// A client with an account's API key.
    func client(
        apiKey: String, endpoint: Endpoint? = nil,
        configure: (inout SharewireClient.Configuration) -> Void = { _ in }
    ) -> SharewireClient {
        var configuration = SharewireClient.Configuration(
            endpoint: endpoint ?? self.endpoint,
            credentials: .apiKey(apiKey))
        configuration.defaultTimeout = .seconds(20)
        configure(&configuration)
        return SharewireClient(configuration: configuration)
    }

    /// Creates an account through the service key; returns it with a client using its key.
    func account(_ email: String, language: Language = .en) async throws -> (Account, SharewireClient) {
        let admin = serviceClient()
        defer { admin.close() }
        let created = try await admin.createAccount(email: email, language: language)
        return (created.account, client(apiKey: created.apiKey))
    }
}
