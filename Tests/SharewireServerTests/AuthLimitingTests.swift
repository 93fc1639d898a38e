import Logging
import NIOCore
import SharewireMessages
import SharewireRPC
import SharewireServer
import SharewireTestSupport
import SharewireWire
import SharingDomain
import Synchronization
import Testing

/// Failed-authentication limiting end to end: a real server and store,
/// wrong keys sent by hand on raw connections, a probe on its own connection
/// (docs/SERVER.md §2, docs/PROTOCOL.md §8.1).
@Suite(.timeLimit(.minutes(2)))
struct AuthLimitingTests {
    /// Counts the limiting hooks (what RPCMetrics turns into metrics).
    final class CountingObserver: ServerObserver {
        let failed = Atomic<Int>(0)
        let limited = Atomic<Int>(0)
        let goAways = Atomic<Int>(0)
        func callFinished(method: MethodDescriptor, code: StatusCode, duration: Duration) {}
        func authenticationFailed() { failed.add(1, ordering: .relaxed) }
        func authenticationLimited() { limited.add(1, ordering: .relaxed) }
        func connectionClosedForAuthenticationFailures() { goAways.add(1, ordering: .relaxed) }
    }

    /// What one raw connection saw: the status code of each answered call
    /// in order, and the GOAWAY that ended it.
    struct Attempts {
        var codes: [UInt32] = []
        var reasons: [String] = []
        var goAway: GoAway?
        var closed = false
    }

    static let whoami = Sharewire_V1.AccountService.Method.Whoami.descriptor

    /// Sends up to `count` Whoami calls with `key`, one at a time, each after
    /// the previous answer, until the server closes the connection.
    static func attempt(
        port: Int, key: String, count: Int,
        call: (method: String, message: any ProtoMessage) = (whoami.path, WhoamiRequest())
    ) async throws -> Attempts {
        try await RawConnection.with(port: port) { raw in
            raw.closeAfter(.seconds(30))
            try await raw.send(RawConnection.handshakeBytes())
            var seen = Attempts()
            for i in 0..<count {
                let stream = UInt32(2 * i + 1)
                do {
                    try await raw.send(
                        RawConnection.requestBytes(
                            streamID: stream, method: call.method, message: call.message,
                            metadata: [MetadataEntry(key: "authorization", value: "Bearer \(key)")]))
                } catch {
                    // Closed after its GOAWAY, which is still to be read.
                    seen.goAway = try await raw.readUntilClosed()
                    seen.closed = raw.closed
                    return seen
                }
                // The answer, and a GOAWAY that may come just before it.
                while true {
                    guard let event = try await raw.read(until: { $0.response(for: stream) != nil || $0.isGoAway })
                    else {
                        seen.closed = true
                        return seen
                    }
                    if let frame = event.response(for: stream) {
                        let head = try ResponseHead(buffer: HeadedPayload(splitting: frame.payload).head)
                        seen.codes.append(head.code)
                        seen.reasons.append(head.details.first?.reason ?? "")
                        break
                    } else if case let .frame(frame) = event {
                        seen.goAway = try GoAway(buffer: frame.payload)
                        #expect(seen.goAway?.lastStreamID == stream, "the GOAWAY covers the call it answers")
                    }
                }
                if seen.goAway != nil { break }  // a client sends nothing after a GOAWAY
            }
            // After its GOAWAY the server closes.
            if seen.goAway != nil {
                _ = try await raw.readUntilClosed()
                seen.closed = raw.closed
            }
            return seen
        }
    }

    @Test func aBurstOfWrongKeysIsLimitedWhileAProbeOnItsOwnConnectionKeepsWorking() async throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let backend = try await SharingBackend.open(directory: dir.path, limits: Limits())
        var logger = Logger(label: "test.server")
        logger.logLevel = .critical
        let services = SharingServices(
            backend: backend, serviceKey: try ServiceKey(secret: Harness.serviceKey),
            configuration: SharingServicesConfiguration(), logger: logger)
        var router = RPCRouter()
        services.register(in: &router)
        let observer = CountingObserver()
        var limits = AuthFailureLimits()
        limits.connectionBurst = 5
        limits.connectionRefillPerSecond = 0.001  // nothing comes back during the test
        limits.peerBurst = 20
        limits.peerRefillPerSecond = 0.001
        let server = try await InProcessServer.start(router: router) {
            $0.observer = observer
            $0.authFailureLimits = limits
        }
        let port = server.port
        defer { Task { await server.stop() } }

        func client() -> RPCClient {
            var configuration = ClientConfiguration(host: "127.0.0.1", port: port)
            configuration.defaultTimeout = .seconds(20)
            return RPCClient(configuration: configuration, logger: logger)
        }
        let setup = client()
        defer { setup.close() }
        let created: CreateAccountResponse = try await setup.unary(
            Sharewire_V1.AccountService.Method.CreateAccount.descriptor,
            CreateAccountRequest(email: "probe@example.com", language: .en), metadata: Harness.service())
        let good = [MetadataEntry(key: "authorization", value: "Bearer \(created.apiKey)")]
        // The probe authenticates once before the burst: its connection is proven.
        let probe = client()
        defer { probe.close() }
        let before: WhoamiResponse = try await probe.unary(Self.whoami, WhoamiRequest(), metadata: good)
        #expect(before.account.email == "probe@example.com")

        let wrongKey = "sw_" + String(repeating: "0", count: 64)
        // Connection 1: five failures are answered UNAUTHENTICATED; the
        // sixth, over the burst, gets GOAWAY UNAUTHENTICATED and its answer.
        // Check answers on the synchronous path (no task), Whoami below as a task.
        let check = CheckPortRequest(userID: before.account.id, deviceID: "dev_1", port: 22)
        let first = try await Self.attempt(
            port: port, key: wrongKey, count: 10,
            call: (Sharewire_V1.CheckService.Method.Check.descriptor.path, check))
        #expect(first.codes == Array(repeating: StatusCode.unauthenticated.rawValue, count: 6))
        #expect(first.goAway?.code == StatusCode.unauthenticated.rawValue)
        #expect(first.goAway?.reason.contains("too many failed authentications") == true)
        #expect(first.closed)

        // Connections 2 and 3 spend the rest of the address's 20 (6 + 6 + 6 = 18, then 2).
        for _ in 0..<2 { _ = try await Self.attempt(port: port, key: wrongKey, count: 10) }
        let fourth = try await Self.attempt(port: port, key: wrongKey, count: 10)
        #expect(fourth.codes.prefix(2) == [StatusCode.unauthenticated.rawValue, StatusCode.unauthenticated.rawValue])
        #expect(fourth.codes.dropFirst(2).allSatisfy { $0 == StatusCode.resourceExhausted.rawValue })
        #expect(fourth.reasons.last == ConnectionAuthentication.rateLimitedReason)
        #expect(fourth.goAway?.code == StatusCode.unauthenticated.rawValue)

        // The address is limited: a new connection is refused before its key
        // is even looked at, valid key or not.
        let fresh = try await Self.attempt(port: port, key: created.apiKey, count: 1)
        #expect(fresh.codes == [StatusCode.resourceExhausted.rawValue])
        #expect(fresh.reasons == [ConnectionAuthentication.rateLimitedReason])

        // The probe's connection authenticated before: it keeps working.
        for _ in 0..<20 {
            let again: WhoamiResponse = try await probe.unary(Self.whoami, WhoamiRequest(), metadata: good)
            #expect(again.account.email == "probe@example.com")
        }
        #expect(observer.failed.load(ordering: .relaxed) == 20)
        #expect(observer.limited.load(ordering: .relaxed) == 5)
        #expect(observer.goAways.load(ordering: .relaxed) == 4)
        services.beginShutdown()
        try? await backend.shutdown()
    }
}
