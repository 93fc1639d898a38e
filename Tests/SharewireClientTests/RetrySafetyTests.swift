import Foundation
import SharewireClient
import SharewireMessages
import SharewireTestSupport
import Testing

/// Retry safety end to end: a real `sharewired` behind ``FaultProxy``, which
/// counts what the client actually sent.
@Suite("Client retry safety end to end")
struct RetrySafetyTests {
    /// A client for `server` whose calls pass through `proxy`.
    func client(
        _ server: LiveServer, through proxy: FaultProxy, key: String? = nil,
        configure: (inout SharewireClient.Configuration) -> Void = { _ in }
    ) -> SharewireClient {
        let endpoint = Endpoint(host: "127.0.0.1", port: proxy.port)
        if let key { return server.client(apiKey: key, endpoint: endpoint, configure: configure) }
        return server.serviceClient(endpoint: endpoint, configure: configure)
    }

    /// A server, a proxy in front of it, a direct service-key client, and
    /// the account alice with a client that goes through the proxy.
    struct Setup {
        let server: LiveServer
        let proxy: FaultProxy
        let admin: SharewireClient
        let alice: CreatedAccount
        let client: SharewireClient
    }

    func withAliceBehindProxy(_ body: (Setup) async throws -> Void) async throws {
        try await LiveServer.with { server in
            let proxy = try await FaultProxy.start(upstreamPort: server.process.port)
            let admin = server.serviceClient()
            let alice = try await admin.createAccount(email: "alice@example.com")
            let client = client(server, through: proxy, key: alice.apiKey)
            defer {
                admin.close()
                client.close()
            }
            try await body(Setup(server: server, proxy: proxy, admin: admin, alice: alice, client: client))
            await proxy.close()
        }
    }

    @Test("a write whose response was lost is never sent twice")
    func unknownOutcomeWriteIsNotRetried() async throws {
        try await withAliceBehindProxy { setup in
            let (proxy, admin, alice, client) = (setup.proxy, setup.admin, setup.alice, setup.client)
            _ = try await client.whoami()  // connected

            proxy.inject(.dropResponse, into: .deviceRegister)
            do throws(SharewireError) {
                _ = try await client.registerDevice(name: "pi")
                Issue.record("the lost response must surface as an error")
            } catch {
                #expect(error.code == .unavailable)
                #expect(!error.notProcessed)
                #expect(error.attempts == 1)
            }
            #expect(proxy.requests(.deviceRegister) == 1)
            // The server did apply it, exactly once.
            let devices = try await admin.acting(as: alice.account.id).devices().collect()
            #expect(devices.map(\.name) == ["pi"])

            // Same for a bulk share.
            _ = try await client.createContact(email: "bob@example.com")
            let bob = try await admin.createAccount(email: "bob@example.com")
            proxy.inject(.dropResponse, into: .sharingShare)
            await #expect(throws: SharewireError.self) {
                try await client.share(devices: [devices[0].id], with: ["bob@example.com"], access: .all)
            }
            #expect(proxy.requests(.sharingShare) == 1)
            let events = try await admin.acting(as: bob.account.id).events(EventFilter(kind: .shareCreated)).collect()
            #expect(events.count == 1)
        }
    }

    @Test("a call that ran into its deadline is not retried, write or read")
    func deadlineIsNotRetried() async throws {
        try await withAliceBehindProxy { setup in
            let (proxy, admin, alice, client) = (setup.proxy, setup.admin, setup.alice, setup.client)
            _ = try await client.whoami()  // connected, so the REQUEST leaves at once
            proxy.inject(.swallowResponse, into: .deviceRegister)
            do throws(SharewireError) {
                _ = try await client.registerDevice(name: "pi", options: .timeout(.seconds(2)))
                Issue.record("expected DEADLINE_EXCEEDED")
            } catch {
                #expect(error.code == .deadlineExceeded && error.attempts == 1)
            }
            #expect(proxy.requests(.deviceRegister) == 1)
            let devices = try await admin.acting(as: alice.account.id).devices().collect()
            #expect(devices.count <= 1)  // applied at most once (normally once), never twice

            proxy.inject(.swallowResponse, into: .deviceList)
            await #expect(throws: SharewireError.self) {
                _ = try await client.listDevices(options: .timeout(.seconds(1)))
            }
            #expect(proxy.requests(.deviceList) == 1)
        }
    }

    @Test("a read whose response was lost is retried and succeeds")
    func idempotentReadIsRetried() async throws {
        try await withAliceBehindProxy { setup in
            let (proxy, client) = (setup.proxy, setup.client)
            _ = try await client.registerDevice(name: "pi")

            proxy.inject(.dropResponse, into: .deviceList)
            let page = try await client.listDevices()
            #expect(page.items.map(\.name) == ["pi"])
            #expect(proxy.requests(.deviceList) == 2)

            proxy.inject(.dropResponse, into: .checkCheck, times: 2)
            #expect(try await client.check(device: page.items[0].id, port: 22) == false)
            #expect(proxy.requests(.checkCheck) == 3)
        }
    }

    @Test("a write the server refused (not processed) is retried and applied once")
    func notProcessedWriteIsRetried() async throws {
        try await withAliceBehindProxy { setup in
            let (proxy, admin, alice, client) = (setup.proxy, setup.admin, setup.alice, setup.client)

            proxy.inject(.refuse, into: .deviceRegister, times: 2)
            let device = try await client.registerDevice(name: "pi")
            #expect(proxy.requests(.deviceRegister) == 3)
            let devices = try await admin.acting(as: alice.account.id).devices().collect()
            #expect(devices.map(\.id) == [device.id])

            // Past maxAttempts the refusal surfaces, still marked not processed.
            proxy.inject(.refuse, into: .deviceRename, times: 10)
            do throws(SharewireError) {
                _ = try await client.renameDevice(
                    device.id, to: "nas",
                    options: CallOptions(
                        retry: RetryPolicy(
                            maxAttempts: 3, initialBackoff: .milliseconds(1), maxBackoff: .milliseconds(5))))
                Issue.record("expected UNAVAILABLE")
            } catch {
                #expect(error.code == .unavailable && error.notProcessed)
                #expect(error.attempts == 3)
            }
            #expect(proxy.requests(.deviceRename) == 3)
            #expect(try await client.device(device.id).name == "pi")
        }
    }

    @Test("the retry budget stops retries when most calls fail")
    func retryBudgetThrottles() async throws {
        try await LiveServer.with { server in
            let proxy = try await FaultProxy.start(upstreamPort: server.process.port)
            let client = client(server, through: proxy) {
                $0.retryThrottling = RetryThrottling(maxTokens: 4, tokenRatio: 0.1)
                $0.retry = RetryPolicy(maxAttempts: 5, initialBackoff: .milliseconds(1), maxBackoff: .milliseconds(2))
            }
            defer { client.close() }
            #expect(try await client.health() == .serving)
            proxy.inject(.refuse, into: .healthCheck, times: 100)
            // 4 tokens: the first failure leaves 3 (> 2, retry), the second 2 (stop).
            await #expect(throws: SharewireError.self) { _ = try await client.health() }
            #expect(proxy.requests(.healthCheck) == 1 + 2)
            // The bucket is below half: the next call gets no retry at all.
            await #expect(throws: SharewireError.self) { _ = try await client.health() }
            #expect(proxy.requests(.healthCheck) == 1 + 2 + 1)
            #expect(client.retryBudget?.allowsRetry == false)
            await proxy.close()
        }
    }

    @Test("an endpoint that refuses connections is skipped: the call moves to the next")
    func failoverToNextEndpoint() async throws {
        try await LiveServer.with { server in
            // A port that refuses connections and that no parallel test can take.
            let dead = try ClosedPort()
            defer { dead.release() }
            let deadPort = dead.port
            var configuration = SharewireClient.Configuration(
                endpoints: [Endpoint(host: "127.0.0.1", port: deadPort), server.endpoint],
                credentials: .serviceKey(LiveServer.serviceKey))
            configuration.retry = RetryPolicy(maxAttempts: 2, initialBackoff: .milliseconds(1))
            let client = SharewireClient(configuration: configuration)
            defer { client.close() }
            for index in 0..<4 {
                let created = try await client.createAccount(email: "user\(index)@example.com")
                #expect(created.account.email == "user\(index)@example.com")
            }
        }
    }

    @Test("a draining server's refusal is retried on another endpoint")
    func drainingServerFailsOver() async throws {
        try await LiveServer.with { first in
            try await LiveServer.with { second in
                var configuration = SharewireClient.Configuration(
                    endpoints: [first.endpoint, second.endpoint],
                    credentials: .serviceKey(LiveServer.serviceKey))
                configuration.retry = RetryPolicy(maxAttempts: 4, initialBackoff: .milliseconds(5))
                let client = SharewireClient(configuration: configuration)
                defer { client.close() }
                try await client.connect()
                // The first server drains away; every later call lands on the second.
                try await first.process.stop(signal: SIGTERM)
                // Hold its port so that no server of a parallel test answers there
                // (best effort: nil if someone took it in between).
                let held = try? ClosedPort(port: first.process.port)
                defer { held?.release() }
                for index in 0..<4 {
                    _ = try await client.createAccount(email: "user\(index)@example.com")
                }
                let onSecond = second.serviceClient()
                defer { onSecond.close() }
                for index in 0..<4 {
                    #expect(
                        try await onSecond.acting(as: "user\(index)@example.com").whoami().email
                            == "user\(index)@example.com")
                }
            }
        }
    }
}

/// A loopback TCP port bound but not listening: connecting to it is refused,
/// and while it is held no other test can listen on it.
struct ClosedPort {
    let fd: Int32
    let port: Int

    /// Holds `port` (0: any free port).
    init(port: Int = 0) throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.EMFILE) }
        var reuse: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &reuse, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { raw in
                bind(fd, raw, length) == 0 && getsockname(fd, raw, &length) == 0
            }
        }
        guard bound else {
            close(fd)
            throw POSIXError(.EADDRINUSE)
        }
        self.fd = fd
        self.port = Int(UInt16(bigEndian: address.sin_port))
    }

    func release() { close(fd) }
}
