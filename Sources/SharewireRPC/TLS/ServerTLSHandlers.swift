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

/// In front of `NIOSSLServerHandler` on a TLS listener. It decides on the
/// connection's first bytes, then steps aside:
///
/// - a plaintext Sharewire client (the preface's first byte) gets a clear
///   refusal: its own protocol's preface and a GOAWAY, FAILED_PRECONDITION,
///   instead of a bare close;
/// - a ClientHello that offers ALPN without `sharewire/1` gets the fatal TLS
///   alert `no_application_protocol` (RFC 7301 §3.2), which the TLS library
///   would not send (it completes such handshakes without a protocol);
/// - any other ClientHello passes to TLS untouched; anything else is closed.
final class ServerTLSGate: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// A TLS record of type handshake (a ClientHello) starts with this byte.
    private static let tlsHandshakeRecord: UInt8 = 0x16
    private let logger: Logger
    private let peer: String
    /// The first bytes, until the first TLS record is complete.
    private var buffered: ByteBuffer?

    init(logger: Logger, peer: String) {
        self.logger = logger
        self.peer = peer
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        if var earlier = buffered {
            earlier.writeBuffer(&bytes)
            bytes = earlier
        }
        guard let first = bytes.getInteger(at: bytes.readerIndex, as: UInt8.self) else { return }
        guard first == Self.tlsHandshakeRecord else {
            return refusePlaintext(context: context, sharewire: first == Preface.magic.first)
        }
        switch ClientHelloALPN.offers(in: bytes) {
        case .needMoreBytes:
            buffered = bytes
        case .offers(let protocols) where !protocols.contains(TransportSecurity.alpnToken):
            logger.info(
                "TLS client offered no \(TransportSecurity.alpnToken) in ALPN; refused",
                metadata: ["peer": "\(peer)", "offered": "\(protocols.joined(separator: ","))"])
            var alert = context.channel.allocator.buffer(capacity: 7)
            // Record: alert, TLS 1.2 wire version, length 2; fatal (2), no_application_protocol (120).
            alert.writeBytes([0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 120])
            let channel = context.channel
            context.writeAndFlush(wrapOutboundOut(alert)).whenComplete { _ in channel.close(promise: nil) }
            buffered = nil
        case .offers, .none, .unparsable:
            // Served (or, unparsable, left to the TLS library to refuse).
            buffered = nil
            context.fireChannelRead(wrapInboundOut(bytes))
            context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
        }
    }

    private func refusePlaintext(context: ChannelHandlerContext, sharewire: Bool) {
        buffered = nil
        guard sharewire else { return context.close(promise: nil) }
        logger.info("plaintext client on the TLS port refused", metadata: ["peer": "\(peer)"])
        var buffer = context.channel.allocator.buffer(capacity: 128)
        Preface.current.write(to: &buffer)
        let frame = buffer.beginFrame(.goAway, streamID: 0)
        GoAway(
            lastStreamID: 0, code: StatusCode.failedPrecondition.rawValue,
            reason: "this server requires TLS (ALPN \(TransportSecurity.alpnToken)); connect with TLS"
        )
        .serialize(into: &buffer)
        buffer.endFrame(frame)
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(buffer)).whenComplete { _ in channel.close(promise: nil) }
    }
}

/// The ALPN protocols a ClientHello offers, read from its first TLS record
/// (RFC 8446 §4.1.2, RFC 7301 §3.1). Pure; never reads past the record.
enum ClientHelloALPN: Equatable {
    /// The record is not complete yet.
    case needMoreBytes
    /// The ClientHello has no ALPN extension.
    case none
    /// The protocol ids it offers, in order.
    case offers([String])
    /// Not a ClientHello this parser understands (the TLS library decides).
    case unparsable

    /// The largest first record waited for (a TLS record's maximum plus its header).
    static let maxRecord = 5 + (1 << 14) + 256

    static func offers(in bytes: ByteBuffer) -> ClientHelloALPN {
        var record = bytes
        guard record.readableBytes >= 5 else { return .needMoreBytes }
        guard record.readInteger(as: UInt8.self) == 0x16, record.readInteger(as: UInt16.self) != nil,
            let length = record.readInteger(as: UInt16.self), 5 + Int(length) <= maxRecord
        else { return .unparsable }
        guard record.readableBytes >= Int(length) else { return .needMoreBytes }
        guard var hello = record.readSlice(length: Int(length)),
            hello.readInteger(as: UInt8.self) == 1,  // client_hello
            let high = hello.readInteger(as: UInt8.self), let low = hello.readInteger(as: UInt16.self)
        else { return .unparsable }
        // A ClientHello split over several records: let the TLS library handle it.
        guard Int(high) << 16 | Int(low) <= hello.readableBytes else { return .unparsable }
        guard hello.readableBytes >= 2 + 32 else { return .unparsable }
        hello.moveReaderIndex(forwardBy: 2 + 32)  // legacy_version, random
        // session id, cipher suites, compression methods
        guard skip(&hello, lengthBytes: 1), skip(&hello, lengthBytes: 2), skip(&hello, lengthBytes: 1) else {
            return .unparsable
        }
        guard hello.readableBytes > 0 else { return .none }
        guard let extensionsLength = hello.readInteger(as: UInt16.self),
            var extensions = hello.readSlice(length: Int(extensionsLength))
        else { return .unparsable }
        while extensions.readableBytes >= 4 {
            guard let type = extensions.readInteger(as: UInt16.self),
                let size = extensions.readInteger(as: UInt16.self),
                var body = extensions.readSlice(length: Int(size))
            else { return .unparsable }
            guard type == 16 else { continue }  // application_layer_protocol_negotiation
            guard let listLength = body.readInteger(as: UInt16.self), var list = body.readSlice(length: Int(listLength))
            else { return .unparsable }
            var names: [String] = []
            while list.readableBytes > 0 {
                guard let nameLength = list.readInteger(as: UInt8.self),
                    let name = list.readString(length: Int(nameLength))
                else { return .unparsable }
                names.append(name)
            }
            return .offers(names)
        }
        return .none
    }

    /// Skips a vector whose length takes `lengthBytes` bytes.
    private static func skip(_ buffer: inout ByteBuffer, lengthBytes: Int) -> Bool {
        let length: Int? =
            lengthBytes == 1
            ? buffer.readInteger(as: UInt8.self).map(Int.init)
            : buffer.readInteger(as: UInt16.self).map(Int.init)
        guard let length, buffer.readableBytes >= length else { return false }
        buffer.moveReaderIndex(forwardBy: length)
        return true
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
            let certificate = tls.peerCertificate
        {
            context.fireUserInboundEventTriggered(event)
            context.fireUserInboundEventTriggered(
                PeerCertificateVerified(certificate: VerifiedPeerCertificate(certificate)))
            context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }
}

extension ServerTLS {
    /// The handlers that go in front of a server connection's handler.
    static func handlers(
        context: NIOSSLContext, mutual: Bool, logger: Logger,
        peer: String
    ) throws -> [any ChannelHandler] {
        let tls = try SSLHandlerFactory.server(context: context) { result, certificate in
            if result == .failed {
                let problem = CertificateProblem(certificate)
                logger.info(
                    "client certificate refused",
                    metadata: [
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
