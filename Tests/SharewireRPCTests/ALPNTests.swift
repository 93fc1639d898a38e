import NIOCore
import NIOPosix
import NIOSSL
import NIOTLS
import SharewireRPC
import SharewireTestSupport
import Synchronization
import Testing

/// The server's ALPN rule (docs/PROTOCOL.md §19.1): a client that offers ALPN
/// must offer `sharewire/1`, else the fatal alert no_application_protocol;
/// a client that offers none is served.
@Suite(.timeLimit(.minutes(1)))
struct ALPNTests {
    /// Completes with the negotiated protocol, or fails with the TLS error.
    final class HandshakeWatcher: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        let result: EventLoopPromise<String?>

        init(result: EventLoopPromise<String?>) { self.result = result }

        func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
            if case let TLSUserEvent.handshakeCompleted(negotiated) = event { result.succeed(negotiated) }
            context.fireUserInboundEventTriggered(event)
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            result.fail(error)
            context.close(promise: nil)
        }

        func channelInactive(context: ChannelHandlerContext) {
            struct Closed: Error {}
            result.fail(Closed())
        }
    }

    /// A bare TLS handshake (no Sharewire bytes) offering `protocols`.
    static func handshake(port: Int, caFile: String, offering protocols: [String]) async throws -> String? {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.trustRoots = .file(caFile)
        configuration.applicationProtocols = protocols
        let context = try NIOSSLContext(configuration: configuration)
        let group = MultiThreadedEventLoopGroup.singleton
        let promise = group.next().makePromise(of: String?.self)
        let channel = try await ClientBootstrap(group: group)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandlers(
                        NIOSSLClientHandler(context: context, serverHostname: nil),
                        HandshakeWatcher(result: promise))
                }
            }
            .connect(host: "127.0.0.1", port: port).get()
        defer { channel.close(promise: nil) }
        return try await promise.futureResult.get()
    }

    @Test func alpnWithoutSharewireIsRefusedAndNoALPNIsServed() async throws {
        let certificates = try await TestCertificates.shared()
        let server = try await TestServer.start { config in
            config.tls = ServerTLS(
                certificateChainFile: certificates.server.certificate,
                privateKeyFile: certificates.server.key)
        }
        let port = server.port, ca = certificates.caFile
        #expect(try await Self.handshake(port: port, caFile: ca, offering: ["h2", "sharewire/1"]) == "sharewire/1")
        #expect(try await Self.handshake(port: port, caFile: ca, offering: []) == nil)
        do {
            let negotiated = try await Self.handshake(port: port, caFile: ca, offering: ["h2", "http/1.1"])
            Issue.record("handshake completed with \(String(describing: negotiated))")
        } catch {
            #expect("\(error)".contains("NO_APPLICATION_PROTOCOL"), "\(error)")
        }
        await server.stop()
    }
}
