import Foundation
import Logging
import NIOCore
import NIOPosix
import SharewireMessages
import SharewireRPC
import SharewireServer
import SharewireTestSupport
import Synchronization
import Testing

/// Jepsen-style audit of acknowledged writes: a real `sharewired` is killed
/// with SIGKILL while writes are in flight; after a restart on the same data
/// directory every write it had acknowledged must be there.
@Suite(.timeLimit(.minutes(5)), .serialized)
struct DurabilityTests {
    static let secret = "durability-service-key-3b9d0c5e7f1a2468ace"

    enum Ack: Sendable {
        case contact(email: String, revision: UInt64)
        case device(id: String, name: String, revision: UInt64)
        case share(device: String, revision: UInt64)

        var revision: UInt64 {
            switch self {
            case let .contact(_, r), let .device(_, _, r), let .share(_, r): r
            }
        }
    }

    /// Acknowledged writes, appended by concurrent writers.
    final class AckLog: Sendable {
        private let acks = Mutex<[Ack]>([])
        /// Counts the acknowledgements recorded by ``append(_:)``, for the kill to await.
        let count = EventCounter()
        func withLock<T>(_ body: (inout [Ack]) -> T) -> T { acks.withLock { body(&$0) } }
        func append(_ ack: Ack) {
            acks.withLock { $0.append(ack) }
            count.add()
        }
    }

    func client(port: Int) -> RPCClient {
        var config = ClientConfiguration(host: "127.0.0.1", port: port)
        config.connections = 2
        config.defaultTimeout = .seconds(20)
        var logger = Logger(label: "test.durability.client")
        logger.logLevel = .critical
        return RPCClient(configuration: config, logger: logger)
    }

    @Test func everyAcknowledgedWriteSurvivesKill9() async throws {
        let dir = try TempDirectory("sharewired-kill9")
        defer { dir.remove() }
        let dataDir = dir.file("data")

        // First life: key from the environment.
        let first = try await ServerProcess(
            arguments: ["--data-dir", dataDir],
            environment: ["SHAREWIRE_SERVICE_KEY": Self.secret], logTo: dir.file("first.log"))
        let c1 = client(port: first.port)
        let service = [MetadataEntry(key: "authorization", value: "Bearer \(Self.secret)")]
        let owner: CreateAccountResponse = try await c1.unary(
            Sharewire_V1.AccountService.Method.CreateAccount.descriptor,
            CreateAccountRequest(email: "owner@example.com"), metadata: service)
        let friend: CreateAccountResponse = try await c1.unary(
            Sharewire_V1.AccountService.Method.CreateAccount.descriptor,
            CreateAccountRequest(email: "friend@example.com"), metadata: service)
        let auth = [MetadataEntry(key: "authorization", value: "Bearer \(owner.apiKey)")]
        _ =
            try await c1.unary(
                Sharewire_V1.ContactService.Method.Create.descriptor, CreateContactRequest(email: "friend@example.com"),
                metadata: auth)
            as CreateContactResponse

        // Writers run until the kill cuts them off; only acknowledged writes are recorded.
        let acks = AckLog()
        let killAfter = 120
        let killed = try await withThrowingTaskGroup(of: Void.self) { group -> Int32 in
            for worker in 0..<4 {
                group.addTask {
                    var i = 0
                    while i < 10_000 {
                        defer { i += 1 }
                        do {
                            switch i % 3 {
                            case 0:
                                let email = "c\(worker)-\(i)@example.com"
                                let r: CreateContactResponse = try await c1.unary(
                                    Sharewire_V1.ContactService.Method.Create.descriptor,
                                    CreateContactRequest(email: email), metadata: auth)
                                acks.append(.contact(email: email, revision: r.revision))
                            case 1:
                                let name = "d\(worker)-\(i)"
                                let r: RegisterDeviceResponse = try await c1.unary(
                                    Sharewire_V1.DeviceService.Method.Register.descriptor,
                                    RegisterDeviceRequest(
                                        name: name, services: [NewService(name: "ssh", port: 22, protocol: "ssh")]),
                                    metadata: auth)
                                acks.append(.device(id: r.device.id, name: name, revision: r.revision))
                            default:
                                let devices = acks.withLock {
                                    $0.compactMap { if case let .device(id, _, _) = $0 { id } else { nil } }
                                }
                                guard let device = devices.last else { continue }
                                let r: ShareResponse = try await c1.unary(
                                    Sharewire_V1.SharingService.Method.Share.descriptor,
                                    ShareRequest(
                                        deviceIDs: [device], emails: ["friend@example.com"], access: Access(mode: .all)),
                                    metadata: auth)
                                acks.append(.share(device: device, revision: r.revision))
                            }
                        } catch {
                            return  // the server is gone (or refused); stop writing
                        }
                    }
                }
            }
            // Kill mid-flight once enough writes are acknowledged (bounded wait).
            _ = await acks.count.wait(atLeast: killAfter, timeout: .seconds(120))
            let status = try await first.stop(signal: SIGKILL)
            try await group.waitForAll()
            return status
        }
        c1.close()
        #expect(killed == SIGKILL && first.child.ended?.signalled == true)
        let acknowledged = acks.withLock { $0 }
        #expect(acknowledged.count >= killAfter)
        let maxRevision = acknowledged.map(\.revision).max() ?? 0

        // Second life on the same directory: key from a file, metrics on.
        let keyFile = dir.file("service.key")
        try (Self.secret + "\n").write(toFile: keyFile, atomically: true, encoding: .utf8)
        let second = try await ServerProcess(
            arguments: ["--data-dir", dataDir, "--service-key-file", keyFile, "--metrics-port", "0"],
            logTo: dir.file("second.log"))
        let c2 = client(port: second.port)

        // The API key still works (only its hash is stored), and the state has
        // every acknowledged revision without waiting for anything.
        let who: WhoamiResponse = try await c2.unary(
            Sharewire_V1.AccountService.Method.Whoami.descriptor, WhoamiRequest(minRevision: maxRevision),
            metadata: auth, timeout: .seconds(5))
        #expect(who.account.id == owner.account.id)
        #expect(who.revision >= maxRevision)

        var contacts = Set<String>()
        var token = ""
        repeat {
            let page: ListContactsResponse = try await c2.unary(
                Sharewire_V1.ContactService.Method.List.descriptor,
                ListContactsRequest(pageSize: 500, pageToken: token), metadata: auth)
            contacts.formUnion(page.contacts.map(\.email))
            token = page.nextPageToken
        } while !token.isEmpty
        var devices: [String: String] = [:]
        token = ""
        repeat {
            let page: ListDevicesResponse = try await c2.unary(
                Sharewire_V1.DeviceService.Method.List.descriptor, ListDevicesRequest(pageSize: 500, pageToken: token),
                metadata: auth)
            for d in page.devices { devices[d.id] = d.name }
            token = page.nextPageToken
        } while !token.isEmpty
        var lost: [String] = []
        for ack in acknowledged {
            switch ack {
            case let .contact(email, revision):
                if !contacts.contains(email) { lost.append("contact \(email) @\(revision)") }
            case let .device(id, name, revision):
                if devices[id] != name { lost.append("device \(id) \(name) @\(revision)") }
            case let .share(device, revision):
                let shares: ListDeviceSharesResponse = try await c2.unary(
                    Sharewire_V1.SharingService.Method.ListDeviceShares.descriptor,
                    ListDeviceSharesRequest(deviceID: device), metadata: auth)
                if !shares.shares.contains(where: { $0.userID == friend.account.id }) {
                    lost.append("share \(device) @\(revision)")
                }
            }
        }
        #expect(lost.isEmpty, "acknowledged writes lost after kill -9: \(lost)")

        // Metrics of the second life are served in Prometheus text format.
        let port = try #require(second.metricsPort)
        let metrics = try await Self.httpGet(port: port, path: "/metrics")
        #expect(metrics.hasPrefix("HTTP/1.1 200"))
        #expect(
            metrics.contains("sharewire_rpc_calls_total{method=\"/sharewire.v1.AccountService/Whoami\",code=\"OK\"} 1"))
        #expect(
            metrics.contains("sharewire_rpc_call_duration_seconds_bucket{method=\"/sharewire.v1.ContactService/List\""))
        #expect(metrics.contains("sharewire_rpc_connections"))
        #expect(metrics.contains("sharewire_revision"))
        let missing = try await Self.httpGet(port: port, path: "/nope")
        #expect(missing.hasPrefix("HTTP/1.1 404"))

        // A graceful stop exits 0 and logs it.
        c2.close()
        let status = try await second.stop(signal: SIGTERM)
        #expect(status == 0)
        #expect(second.log.contains("stopped"))
    }

    @Test func metricsCountCommitBatches() async throws {
        let dir = try TempDirectory("sharewired-metrics")
        defer { dir.remove() }
        let server = try await ServerProcess(
            arguments: [
                "--data-dir", dir.file("data"), "--metrics-port", "0", "--log-format", "json",
                "--max-page-size", "5", "--default-page-size", "5",
            ],
            environment: ["SHAREWIRE_SERVICE_KEY": Self.secret], logTo: dir.file("run.log"))
        let c = client(port: server.port)
        let service = [MetadataEntry(key: "authorization", value: "Bearer \(Self.secret)")]
        let account: CreateAccountResponse = try await c.unary(
            Sharewire_V1.AccountService.Method.CreateAccount.descriptor, CreateAccountRequest(email: "m@example.com"),
            metadata: service)
        // The limit flags reach the domain and come back in the status detail.
        do {
            _ =
                try await c.unary(
                    Sharewire_V1.ContactService.Method.List.descriptor, ListContactsRequest(pageSize: 6),
                    metadata: [MetadataEntry(key: "authorization", value: "Bearer \(account.apiKey)")])
                as ListContactsResponse
            Issue.record("page size 6 passed --max-page-size 5")
        } catch {
            #expect(error.code == .resourceExhausted)
            #expect(error.details.first?.metadata.first == MetadataEntry(key: "limit", value: "5"))
        }
        let metrics = try await Self.httpGet(port: try #require(server.metricsPort), path: "/metrics")
        #expect(metrics.contains("sharewire_commit_batch_writes_count 1"))
        #expect(metrics.contains("sharewire_commit_duration_seconds_count 1"))
        c.close()
        #expect(try await server.stop(signal: SIGTERM) == 0)
        // JSON logs: every line is an object with the standard keys.
        let lines = server.log.split(separator: "\n")
        #expect(!lines.isEmpty)
        for line in lines {
            #expect(line.hasPrefix("{\"ts\":\"") && line.hasSuffix("}") && line.contains("\"level\":"), "\(line)")
        }
    }

    @Test func aBadServiceKeyFileStopsStartup() async throws {
        let dir = try TempDirectory("sharewired-badkey")
        defer { dir.remove() }
        try "short\n".write(toFile: dir.file("key"), atomically: true, encoding: .utf8)
        do {
            let server = try await ServerProcess(
                arguments: ["--data-dir", dir.file("data"), "--service-key-file", dir.file("key")],
                logTo: dir.file("run.log"))
            _ = try? await server.stop(signal: SIGKILL)
            Issue.record("sharewired started with a 5-byte service key")
        } catch let error as ServerProcess.ProcessError {
            #expect(error.description.contains("at least 32"), "\(error)")
        }
    }

    /// A one-shot HTTP/1.1 GET over loopback; returns the raw response.
    static func httpGet(port: Int, path: String) async throws -> String {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: "127.0.0.1", port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        return try await channel.executeThenClose { inbound, outbound in
            try await outbound.write(
                ByteBuffer(string: "GET \(path) HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"))
            var response = ""
            for try await chunk in inbound { response += String(buffer: chunk) }
            return response
        }
    }
}
