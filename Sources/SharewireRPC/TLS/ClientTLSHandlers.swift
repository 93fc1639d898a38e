import NIOCore
import NIOSSL
import NIOTLS
import SharewireMessages

/// Behind `NIOSSLClientHandler`: turns TLS failures into ``RPCError``s that
/// say what failed (untrusted, expired, name mismatch, refused client
/// certificate, a server that does not speak TLS) and refuses a server that
/// selected an ALPN protocol other than `sharewire/1`. The connection
/// handler fails its handshake with the error it passes on.
final class ClientTLSDiagnostics: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private let endpoint: String
    private let presentsCertificate: Bool
    /// Set by the verification callback when the server's chain fails.
    var problem: CertificateProblem?
    private var handshakeDone = false

    init(endpoint: String, presentsCertificate: Bool) {
        self.endpoint = endpoint
        self.presentsCertificate = presentsCertificate
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case let TLSUserEvent.handshakeCompleted(negotiated) = event {
            handshakeDone = true
            if let negotiated, negotiated != TransportSecurity.alpnToken {
                context.fireErrorCaught(
                    RPCError.tls(
                        TransportSecurity.Reason.alpnMismatch,
                        "TLS: the server at \(endpoint) selected ALPN protocol '\(negotiated)', not '\(TransportSecurity.alpnToken)'"
                    ))
                return
            }
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.fireErrorCaught(error is RPCError ? error : mapped(error))
    }

    func mapped(_ error: any Error) -> RPCError {
        typealias Reason = TransportSecurity.Reason
        if let extra = error as? NIOSSLExtraError, extra == .failedToValidateHostname {
            return .tls(
                Reason.hostnameMismatch,
                "TLS: the certificate of the server at \(endpoint) does not name the host connected to (\(extra)); "
                    + "connect by a name it carries or set the TLS server name")
        }
        let text = "\(error)"
        if text.contains("CERTIFICATE_VERIFY_FAILED") {
            let problem = problem ?? .untrusted
            return .tls(problem.reason, "TLS: the certificate of the server at \(endpoint) \(problem.text)")
        }
        let refusals = [
            ("CERTIFICATE_EXPIRED", "it has expired"), ("UNKNOWN_CA", "it is not signed by a CA the server trusts"),
            ("CERTIFICATE_REQUIRED", "the server requires one and none was configured"),
            ("BAD_CERTIFICATE", "the server could not verify it"),
            ("CERTIFICATE_UNKNOWN", "the server could not verify it"),
        ]
        for (alert, why) in refusals where text.contains(alert) {
            return .tls(
                Reason.clientCertificateRejected,
                "TLS: the server at \(endpoint) refused this client's certificate: \(why)")
        }
        if !presentsCertificate, text.contains("HANDSHAKE_FAILURE") {
            return .tls(
                Reason.clientCertificateRejected,
                "TLS: the server at \(endpoint) refused the handshake; it may require a client certificate")
        }
        if !handshakeDone,
            text.contains("EOF during handshake") || text.contains("WRONG_VERSION_NUMBER")
                || text.contains("uncleanShutdown") || text.contains("PACKET_LENGTH")
        {
            return .tls(
                Reason.serverNotTLS,
                "TLS: the server at \(endpoint) closed the connection during the TLS handshake: "
                    + "it does not speak TLS (a plaintext server?) or refused this client")
        }
        return .tls(Reason.handshakeFailed, "TLS: the connection to \(endpoint) could not be secured: \(text)")
    }
}

/// On a plaintext client connection: a server that answers with a TLS
/// record (an alert or a handshake) wants TLS; say so instead of reporting a
/// bad preface. Steps aside after the first bytes.
final class PlaintextTLSProbe: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private let endpoint: String

    init(endpoint: String) { self.endpoint = endpoint }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let bytes = unwrapInboundIn(data)
        guard let first = bytes.getInteger(at: bytes.readerIndex, as: UInt8.self) else { return }
        if first == 0x15 || first == 0x16 {  // TLS alert or handshake record
            context.fireErrorCaught(
                RPCError.tls(
                    TransportSecurity.Reason.tlsRequired,
                    "the server at \(endpoint) speaks TLS; this client connects in plaintext: enable TLS"))
            return
        }
        context.fireChannelRead(data)
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
    }
}

extension ClientTLS {
    /// The handlers in front of a client connection's handler.
    func handlers(context: NIOSSLContext, host: String, endpoint: String) throws -> [any ChannelHandler] {
        let isIPAddress = (try? SocketAddress(ipAddress: host, port: 0)) != nil
        let diagnostics = ClientTLSDiagnostics(endpoint: endpoint, presentsCertificate: certificateChainFile != nil)
        let tls = try SSLHandlerFactory.client(
            context: context, serverHostname: serverName ?? (isIPAddress ? nil : host)
        ) {
            result, certificate in
            if result == .failed, diagnostics.problem == nil { diagnostics.problem = CertificateProblem(certificate) }
            return result
        }
        return [tls, diagnostics]
    }

}

/// NIOSSL's per-certificate verification callback tells why a chain failed
/// (the certificate that failed: its dates, or not); the verification
/// itself stays BoringSSL's. NIOSSL marks the initialisers that take it
/// deprecated; they are called through a protocol requirement so the build
/// does not warn about this one deliberate use.
enum SSLHandlerFactory {
    static func client(
        context: NIOSSLContext, serverHostname: String?,
        callback: @escaping NIOSSLVerificationCallback
    ) throws -> NIOSSLClientHandler {
        func client<Factory: SSLHandlerMaking>(_: Factory.Type) throws -> NIOSSLClientHandler {
            try Factory.client(context: context, serverHostname: serverHostname, callback: callback)
        }
        return try client(DeprecatedSSLHandlers.self)
    }

    static func server(
        context: NIOSSLContext,
        callback: @escaping NIOSSLVerificationCallback
    ) throws -> NIOSSLServerHandler {
        func server<Factory: SSLHandlerMaking>(_: Factory.Type) throws -> NIOSSLServerHandler {
            try Factory.server(context: context, callback: callback)
        }
        return try server(DeprecatedSSLHandlers.self)
    }
}

private protocol SSLHandlerMaking {
    static func client(
        context: NIOSSLContext, serverHostname: String?,
        callback: @escaping NIOSSLVerificationCallback
    ) throws -> NIOSSLClientHandler
    static func server(
        context: NIOSSLContext,
        callback: @escaping NIOSSLVerificationCallback
    ) throws -> NIOSSLServerHandler
}

private enum DeprecatedSSLHandlers: SSLHandlerMaking {
    @available(*, deprecated)
    static func client(
        context: NIOSSLContext, serverHostname: String?,
        callback: @escaping NIOSSLVerificationCallback
    ) throws -> NIOSSLClientHandler {
        try NIOSSLClientHandler(context: context, serverHostname: serverHostname, verificationCallback: callback)
    }

    @available(*, deprecated)
    static func server(
        context: NIOSSLContext,
        callback: @escaping NIOSSLVerificationCallback
    ) throws -> NIOSSLServerHandler {
        try NIOSSLServerHandler(context: context, verificationCallback: callback)
    }
}
