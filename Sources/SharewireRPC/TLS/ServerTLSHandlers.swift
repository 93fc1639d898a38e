import Logging
import NIOCore
import NIOSSL
import NIOTLS
import SharewireMessages
import SharewireWire

/// Why a certificate failed verification, from the certificate itself: its
/// dates, else its issuer (the TLS library reports only "verify failed").
enum CertificateProblem: Sendable, Hashable {
    case expired, notYetValid, untrusted

    init(_ certificate: NIOSSLCertificate, now: time_t = time(nil)) {
        if certificate.notValidAfter < now {
            self = .expired
        } else if certificate.notValidBefore > now {
            self = .notYetValid
        } else {
            self = .untrusted
        }
    }

    var reason: String {
        switch self {
        case .expired: TransportSecurity.Reason.certificateExpired
        case .notYetValid: TransportSecurity.Reason.certificateNotYetValid
        case .untrusted: TransportSecurity.Reason.certificateUntrusted
        }
    }

    var text: String {
        switch self {
        case .expired: "has expired"
        case .notYetValid: "is not valid yet"
        case .untrusted: "is not signed by a trusted CA"
        }
    }
}

/// What the server's pipeline tells its connection handler once a client
/// certificate has been verified (mutual TLS).
struct PeerCertificateVerified: Sendable {
    let certificate: VerifiedPeerCertificate
}

/// In front of `NIOSSLServerHandler` on a TLS listener: a plaintext
/// Sharewire client gets a clear refusal (its own protocol's preface and a
/// GOAWAY, FAILED_PRECONDITION) instead of a bare close; anything else passes
/// to TLS untouched. Decides on the first byte, then steps aside.
final class ServerTLSGate: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// A TLS record of type handshake (a ClientHello) starts with this byte.
    private static let tlsHandshakeRecord: UInt8 = 0x16
    private let logger: Logger
    private let peer: String

    init(logger: Logger, peer: String) {
        self.logger = logger
        self.peer = peer
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let bytes = unwrapInboundIn(data)
        guard let first = bytes.getInteger(at: bytes.readerIndex, as: UInt8.self) else { return }
        if first == Self.tlsHandshakeRecord {
            context.fireChannelRead(data)
            context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
            return
        }
        if first == Preface.magic.first {
            logger.info("plaintext client on the TLS port refused", metadata: ["peer": "\(peer)"])
            var buffer = context.channel.allocator.buffer(capacity: 128)
            Preface.current.write(to: &buffer)
            let frame = buffer.beginFrame(.goAway, streamID: 0)
            GoAway(lastStreamID: 0, code: StatusCode.failedPrecondition.rawValue,
                   reason: "this server requires TLS (ALPN \(TransportSecurity.alpnToken)); connect with TLS")
                .serialize(into: &buffer)
            buffer.endFrame(frame)
            let channel = context.channel
            context.writeAndFlush(wrapOutboundOut(buffer)).whenComplete { _ in channel.close(promise: nil) }
        } else {
            context.close(promise: nil)
        }
    }
}

/// Behind `NIOSSLServerHandler` with mutual TLS: once the handshake is done,
/// passes the verified client certificate's identity on as
/// ``PeerCertificateVerified`` (the TLS library already refused an
/// unverifiable one).
final class ServerPeerIdentityHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case TLSUserEvent.handshakeCompleted = event,
           let tls = try? context.pipeline.syncOperations.handler(type: NIOSSLServerHandler.self),
           let certificate = tls.peerCertificate {
            context.fireUserInboundEventTriggered(event)
            context.fireUserInboundEventTriggered(PeerCertificateVerified(certificate: VerifiedPeerCertificate(certificate)))
            context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }
}

extension ServerTLS {
    /// The handlers that go in front of a server connection's handler.
    static func handlers(context: NIOSSLContext, mutual: Bool, logger: Logger,
                         peer: String) throws -> [any ChannelHandler] {
        let tls = try SSLHandlerFactory.server(context: context) { result, certificate in
            if result == .failed {
                let problem = CertificateProblem(certificate)
                logger.info("client certificate refused", metadata: [
                    "peer": "\(peer)", "problem": "\(problem.text)",
                    "subject-cn": "\(VerifiedPeerCertificate(certificate).commonName ?? "")",
                ])
            }
            return result
        }
        var handlers: [any ChannelHandler] = [ServerTLSGate(logger: logger, peer: peer), tls]
        if mutual { handlers.append(ServerPeerIdentityHandler()) }
        return handlers
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
