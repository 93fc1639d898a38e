import Logging
import NIOCore
import SharewireRPC
import SharewireTestSupport
import SharewireWire
import Testing

@testable import SharewireOpsHTTP
@testable import SharewireServer

/// The operations HTTP endpoint: routes, readiness, timeouts and the
/// connection cap (docs/SERVER.md §7).
@Suite(.timeLimit(.minutes(1)))
struct OpsEndpointTests {
    static func start(
        _ configure: (inout OpsEndpointConfiguration) -> Void = { _ in },
        readiness: Readiness = Readiness()
    ) async throws -> OpsEndpoint {
        var config = OpsEndpointConfiguration()
        configure(&config)
        var logger = Logger(label: "test.ops")
        logger.logLevel = .critical
        return try await OpsEndpoint.start(
            configuration: config, readiness: readiness,
            metrics: { $0 += Array("sharewire_test_total 7\n".utf8) }, logger: logger)
    }

    @Test func routesAnswerMetricsHealthAndReadiness() async throws {
        let readiness = Readiness()
        let endpoint = try await Self.start(readiness: readiness)
        defer { Task { await endpoint.close() } }
        var http = try await HTTPTestConnection.connect(port: endpoint.localAddress.port!)
        defer { Task { [sender = http.sender] in await sender.close() } }

        let metrics = try #require(try await http.get("/metrics"))
        #expect(metrics.status == 200)
        #expect(metrics.headers["content-type"] == OpsRoutes.prometheusContentType)
        #expect(metrics.body == "sharewire_test_total 7\n")
        let head = try #require(try await http.get("/metrics", method: "HEAD"))
        #expect(head.status == 200 && head.body.isEmpty)

        let health = try #require(try await http.get("/healthz"))
        #expect(health.status == 200 && health.body == "ok\n")

        // Before the store is loaded and the listener accepts calls: not ready.
        let starting = try #require(try await http.get("/readyz"))
        #expect(starting.status == 503 && starting.body == "starting\n")
        readiness.markServing()
        let serving = try #require(try await http.get("/readyz?verbose"))
        #expect(serving.status == 200 && serving.body == "serving\n")
        readiness.markDraining()
        readiness.markServing()  // a drain is final
        let draining = try #require(try await http.get("/readyz"))
        #expect(draining.status == 503 && draining.body == "draining\n")
        #expect(try await http.get("/healthz")?.status == 200)  // alive while draining

        let post = try #require(try await http.get("/metrics", method: "POST"))
        #expect(post.status == 405 && post.headers["allow"] == "GET, HEAD")
        #expect(try await http.get("/")?.status == 404)
        #expect(try await http.get("/metricsx")?.status == 404)
    }

    @Test func idleConnectionsAreClosed() async throws {
        // Long enough for a loaded machine to send a request on a new connection in time.
        let endpoint = try await Self.start { $0.idleTimeout = .seconds(2) }
        defer { Task { await endpoint.close() } }
        // Never sends a byte.
        var silent = try await HTTPTestConnection.connect(port: endpoint.localAddress.port!)
        #expect(try await silent.waitForServerClose(bound: .seconds(10)))
        // Idle after a response.
        var used = try await HTTPTestConnection.connect(port: endpoint.localAddress.port!)
        #expect(try await used.get("/healthz")?.status == 200)
        #expect(try await used.waitForServerClose(bound: .seconds(10)))
    }

    @Test func halfSentRequestsAreClosedEvenWhileBytesTrickleIn() async throws {
        // The idle timeout is long: only the request timeout can close these.
        let endpoint = try await Self.start {
            $0.idleTimeout = .seconds(60)
            $0.requestTimeout = .milliseconds(400)
        }
        defer { Task { await endpoint.close() } }
        var headerOnly = try await HTTPTestConnection.connect(port: endpoint.localAddress.port!)
        try await headerOnly.send("GET /metrics HTTP/1.1\r\nHost: test\r\n")
        #expect(try await headerOnly.waitForServerClose(bound: .seconds(10)))

        // A header dribbled one byte every 50 ms (slowloris): each byte
        // would reset an idle timer, but not the request's.
        var dribbler = try await HTTPTestConnection.connect(port: endpoint.localAddress.port!)
        try await dribbler.send("GET /metrics HTTP/1.1\r\nX-Slow: ")
        let drip = Task { [sender = dribbler.sender] in
            for _ in 0..<200 {  // at most 10 s
                try await sender.send("X")
                try await Task.sleep(for: .milliseconds(50))
            }
        }
        #expect(try await dribbler.waitForServerClose(bound: .seconds(8)))
        drip.cancel()
    }

    @Test func connectionsAreCapped() async throws {
        let endpoint = try await Self.start { $0.maxConnections = 3 }
        defer { Task { await endpoint.close() } }
        let port = endpoint.localAddress.port!
        var held: [HTTPTestConnection] = []
        for _ in 0..<3 {
            var connection = try await HTTPTestConnection.connect(port: port)
            // Answered, so accepted and counted.
            #expect(try await connection.get("/healthz")?.status == 200)
            held.append(connection)
        }
        #expect(endpoint.connectionCount == 3)
        var fourth = try await HTTPTestConnection.connect(port: port)
        #expect(try await fourth.waitForServerClose(bound: .seconds(10)))
        #expect(endpoint.connectionCount == 3)
        // The held ones still work.
        #expect(try await held[0].get("/metrics")?.status == 200)

        // A slot freed is a slot to take.
        await held.removeLast().close()
        var answered = false
        for _ in 0..<100 where !answered {  // at most ~10 s
            var next = try await HTTPTestConnection.connect(port: port)
            // Refused while the freed slot is not yet released: closed under us.
            answered = (try? await next.get("/healthz"))??.status == 200
            if !answered { try await Task.sleep(for: .milliseconds(100)) }
            held.append(next)
        }
        #expect(answered)
        for connection in held { await connection.close() }
    }

    /// `/readyz` turns 503 when a drain begins, while connections are still
    /// being drained (a raw client that never answers the drain PING holds
    /// the drain open for a housekeeping interval).
    @Test func readyzFlipsTo503DuringDrain() async throws {
        var config = ServerConfiguration()
        config.port = 0
        // The drain's phase 1 waits one housekeeping interval for its PONG (this raw
        // client never answers) before closing the idle connection; 30 s keeps the
        // connection open through the probes however slowly a loaded machine runs
        // them. The client closes it itself afterwards, which ends the drain.
        config.housekeepingInterval = .seconds(30)
        config.drainGracePeriod = .seconds(60)
        var logger = Logger(label: "test.server")
        logger.logLevel = .critical
        var router = RPCRouter()
        HealthService().register(in: &router)
        let server = RPCServer(configuration: config, router: router, logger: logger)
        let rpcPort = try await server.start().port!
        let readiness = Readiness()
        readiness.follow(server)
        readiness.markServing()
        let endpoint = try await Self.start(readiness: readiness)
        defer { Task { await endpoint.close() } }
        var http = try await HTTPTestConnection.connect(port: endpoint.localAddress.port!)
        defer { Task { [sender = http.sender] in await sender.close() } }
        #expect(try await http.get("/readyz")?.status == 200)

        let drain = try await RawConnection.with(port: rpcPort) { raw in
            try await raw.send(RawConnection.handshakeBytes())
            _ = try await raw.read { event in
                if case let .frame(frame) = event { return frame.type == .hello }
                return false
            }
            #expect(server.connectionCount == 1)
            let drain = Task { await server.drain() }
            var status: Int?
            for _ in 0..<500 {  // at most ~5 s
                status = try await http.get("/readyz")?.status
                if status == 503 { break }
                try await Task.sleep(for: .milliseconds(10))
            }
            #expect(status == 503)
            #expect(server.connectionCount == 1, "the drain is still under way")
            return drain
        }
        await drain.value
        #expect(try await http.get("/readyz")?.status == 503)
    }
}

/// ``HTTPConnectionTimeouts`` with a manual clock.
struct HTTPConnectionTimeoutsTests {
    let t0 = NIODeadline.uptimeNanoseconds(1_000_000_000)

    @Test func idleThenRequestThenIdle() {
        var clock = HTTPConnectionTimeouts(idleTimeout: .seconds(60), requestTimeout: .seconds(5), now: t0)
        #expect(clock.deadline == t0 + .seconds(60))
        #expect(clock.expired(at: t0 + .seconds(59)) == nil)
        #expect(clock.expired(at: t0 + .seconds(60)) == .idle)

        let started = clock.bytesReceived(at: t0 + .seconds(10))
        #expect(started)
        #expect(clock.deadline == t0 + .seconds(15))
        // More bytes of the same request do not move the deadline.
        let moved = clock.bytesReceived(at: t0 + .seconds(14))
        #expect(!moved)
        #expect(clock.expired(at: t0 + .milliseconds(14_999)) == nil)
        #expect(clock.expired(at: t0 + .seconds(15)) == .receiving)

        let answered = clock.responseSent(at: t0 + .seconds(12))
        #expect(answered)
        #expect(clock.phase == .idle && clock.deadline == t0 + .seconds(72))
        let again = clock.responseSent(at: t0 + .seconds(13))  // a body write after the head
        #expect(!again)
        #expect(clock.deadline == t0 + .seconds(72))
    }
}
