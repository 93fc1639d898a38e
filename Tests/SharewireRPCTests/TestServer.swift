import NIOCore
import NIOPosix
import SharewireMessages
import SharewireRPC
import SharewireTestSupport
import Synchronization

/// Records what handlers observed, so tests can assert server-side effects.
final class HandlerProbe: Sendable {
    private let events = AwaitableValue<[String]>([])

    func record(_ event: String) {
        events.update { $0.append(event) }
    }

    var all: [String] { events.value }

    /// Awaits `event` (woken by ``record(_:)``, no polling); false if it is
    /// not recorded within `timeout`.
    func waitFor(_ event: String, timeout: Duration = .seconds(30)) async -> Bool {
        await events.wait(until: { $0.contains(event) }, timeout: timeout)
    }
}

/// Test-only methods registered beside Health and Diagnostics.
enum TestMethods {
    /// Blocks until cancelled; records "started:<tag>" and "cancelled:<tag>".
    static let block = MethodDescriptor(path: "/sharewire.test.Test/Block")
    /// Records "started:<tag>", sleeps `delay_ms`, then echoes.
    static let slowEcho = MethodDescriptor(path: "/sharewire.test.Test/SlowEcho")
    /// Spins `delay_ms` without suspending (blocking its event loop), then
    /// blocks like `block` until cancelled.
    static let spinThenBlock = MethodDescriptor(path: "/sharewire.test.Test/SpinThenBlock")
    /// Registered with an immediate attempt: payload "wait" makes it return
    /// nil (the call then runs as a task, sleeping `delay_ms`); a `fail_code`
    /// is thrown from whichever part runs. Records "immediate:<tag>" and
    /// "task:<tag>".
    static let immediateOrTask = MethodDescriptor(path: "/sharewire.test.Test/ImmediateOrTask")
    /// Answers the verified client certificate's CN, then its DNS SANs,
    /// comma-separated ("-" without a certificate); immediate path.
    static let peerCertificate = MethodDescriptor(path: "/sharewire.test.Test/PeerCertificate")
    /// Explains its deadline (DEADLINE_EXCEEDED, reason TEST_WAIT, subject
    /// the payload), then waits ignoring cancellation until the test records
    /// "release:<tag>" (at most 30 s), and records "ended:<tag>": a handler
    /// too slow to answer for itself when its deadline passes.
    static let explainedWait = MethodDescriptor(path: "/sharewire.test.Test/ExplainedWait")
    /// Records "started:<tag>", waits until the test records "release:<tag>"
    /// (at most 30 s), then echoes: a call that stays in flight exactly as
    /// long as the test needs, with no fixed duration.
    static let gated = MethodDescriptor(path: "/sharewire.test.Test/Gated")
}

/// An in-process server (``InProcessServer``) with the built-in services
/// and the test methods.
struct TestServer: TestServerHarness {
    let base: InProcessServer
    let probe: HandlerProbe

    var server: RPCServer { base.server }
    var port: Int { base.port }

    static func start(configure: (inout ServerConfiguration) -> Void = { _ in }) async throws -> TestServer {
        let probe = HandlerProbe()
        var router = RPCRouter()
        HealthService().register(in: &router)
        DiagnosticsService().register(in: &router)
        /// Records "started:<tag>", then sleeps until cancelled and records "cancelled:<tag>".
        @Sendable func blockUntilCancelled(_ request: EchoRequest) async throws -> EchoResponse {
            let tag = String(decoding: request.payload, as: UTF8.self)
            probe.record("started:\(tag)")
            do {
                try await Task.sleep(for: .seconds(30))
            } catch {
                probe.record("cancelled:\(tag)")
                throw error
            }
            return EchoResponse()
        }
        router.unary(TestMethods.block) { (request: EchoRequest, _) -> EchoResponse in
            try await blockUntilCancelled(request)
        }
        router.unary(TestMethods.spinThenBlock) { (request: EchoRequest, _) -> EchoResponse in
            let clock = ContinuousClock()
            let until = clock.now + .milliseconds(request.delayMs)
            while clock.now < until {}
            return try await blockUntilCancelled(request)
        }
        router.unary(TestMethods.slowEcho) { (request: EchoRequest, _) -> EchoResponse in
            probe.record("started:\(String(decoding: request.payload, as: UTF8.self))")
            try await Task.sleep(for: .milliseconds(request.delayMs))
            return EchoResponse(payload: request.payload)
        }
        router.unary(
            TestMethods.immediateOrTask,
            immediate: { (request: EchoRequest, _) -> EchoResponse? in
                let tag = String(decoding: request.payload, as: UTF8.self)
                probe.record("immediate:\(tag)")
                if tag == "wait" { return nil }
                if request.failCode != 0 { throw RPCError(StatusCode(wireValue: request.failCode), "immediate \(tag)") }
                return EchoResponse(payload: Array("immediate".utf8))
            }
        ) { (request: EchoRequest, _) -> EchoResponse in
            let tag = String(decoding: request.payload, as: UTF8.self)
            probe.record("task:\(tag)")
            try await Task.sleep(for: .milliseconds(request.delayMs))
            if request.failCode != 0 { throw RPCError(StatusCode(wireValue: request.failCode), "task \(tag)") }
            return EchoResponse(payload: Array("task".utf8))
        }
        router.unary(TestMethods.explainedWait) { (request: EchoRequest, context) -> EchoResponse in
            let tag = String(decoding: request.payload, as: UTF8.self)
            context.explainDeadline(
                RPCError(
                    .deadlineExceeded, "waiting for \(tag)",
                    details: [StatusDetail(reason: "TEST_WAIT", subject: tag)]))
            // A wait cancellation cannot cut short: an unstructured task does
            // not inherit the handler's cancellation.
            _ = await Task { await probe.waitFor("release:\(tag)", timeout: .seconds(30)) }.value
            probe.record("ended:\(tag)")
            return EchoResponse(payload: request.payload)
        }
        router.unary(TestMethods.gated) { (request: EchoRequest, _) -> EchoResponse in
            let tag = String(decoding: request.payload, as: UTF8.self)
            probe.record("started:\(tag)")
            _ = await probe.waitFor("release:\(tag)", timeout: .seconds(30))
            return EchoResponse(payload: request.payload)
        }
        router.unary(
            TestMethods.peerCertificate,
            immediate: { (_: EchoRequest, context) -> EchoResponse? in
                guard let certificate = context.peerCertificate else { return EchoResponse(payload: Array("-".utf8)) }
                let names = [certificate.commonName ?? ""] + certificate.dnsNames
                return EchoResponse(payload: Array(names.joined(separator: ",").utf8))
            }
        ) { (_: EchoRequest, _) -> EchoResponse in EchoResponse() }
        return TestServer(base: try await InProcessServer.start(router: router, configure: configure), probe: probe)
    }

    func client(connections: Int = 1, configure: (inout ClientConfiguration) -> Void = { _ in }) -> RPCClient {
        base.client(connections: connections, configure: configure)
    }

    func stop() async { await base.stop() }
}
