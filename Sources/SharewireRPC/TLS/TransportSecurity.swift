import NIOCore
import NIOSSL
import SharewireMessages

/// TLS for Sharewire connections (docs/PROTOCOL.md §19, "Transport security").
///
/// TLS wraps the byte stream and nothing else: a `NIOSSLServerHandler` or
/// `NIOSSLClientHandler` sits in front of the connection handlers, which see
/// the same preface and frames as over plain TCP.
public enum TransportSecurity {
    /// The ALPN protocol id of Sharewire protocol version 1.
    public static let alpnToken = "sharewire/1"

    /// The reasons (`StatusDetail.reason`) of failures to set up a secure
    /// connection. None is retried: the same attempt fails the same way.
    public enum Reason {
        /// The peer's certificate does not chain to a trusted CA.
        public static let certificateUntrusted = "TLS_CERTIFICATE_UNTRUSTED"
        /// The peer's certificate (or one in its chain) has expired.
        public static let certificateExpired = "TLS_CERTIFICATE_EXPIRED"
        /// The peer's certificate is not valid yet.
        public static let certificateNotYetValid = "TLS_CERTIFICATE_NOT_YET_VALID"
        /// The server's certificate does not name the host the client connected to.
        public static let hostnameMismatch = "TLS_HOSTNAME_MISMATCH"
        /// The server refused the client's certificate (or wanted one and got none).
        public static let clientCertificateRejected = "TLS_CLIENT_CERTIFICATE_REJECTED"
        /// A plaintext client reached a server that requires TLS.
        public static let tlsRequired = "TLS_REQUIRED"
        /// A TLS client reached a server that does not speak TLS.
        public static let serverNotTLS = "TLS_NOT_SPOKEN_BY_SERVER"
        /// The server selected an ALPN protocol other than `sharewire/1`.
        public static let alpnMismatch = "TLS_ALPN_MISMATCH"
        /// Any other handshake failure (no shared version or cipher, …).
        public static let handshakeFailed = "TLS_HANDSHAKE_FAILED"
        /// The client's own TLS settings are unusable (a missing or bad file).
        public static let badConfiguration = "TLS_CONFIGURATION_INVALID"

        /// Every reason above.
        public static let all: Set<String> = [
            certificateUntrusted, certificateExpired, certificateNotYetValid, hostnameMismatch,
            clientCertificateRejected, tlsRequired, serverNotTLS, alpnMismatch, handshakeFailed, badConfiguration,
        ]
    }

    /// TLS 1.2 and 1.3 only.
    static func restrictVersions(_ configuration: inout TLSConfiguration) {
        configuration.minimumTLSVersion = .tlsv12
        configuration.maximumTLSVersion = .tlsv13
        configuration.applicationProtocols = [alpnToken]
    }

    /// Loads a PEM certificate chain, saying which file failed and why.
    static func loadChain(_ path: String, what: String) throws(TLSSetupError) -> [NIOSSLCertificate] {
        try checkReadable(path, what: what)
        let chain: [NIOSSLCertificate]
        do {
            chain = try NIOSSLCertificate.fromPEMFile(path)
        } catch {
            throw TLSSetupError("\(what) \(path) holds no valid PEM certificate (\(error))")
        }
        guard !chain.isEmpty else { throw TLSSetupError("\(what) \(path) holds no PEM certificate") }
        return chain
    }

    /// Loads a PEM private key, saying which file failed and why.
    static func loadKey(_ path: String, what: String) throws(TLSSetupError) -> NIOSSLPrivateKey {
        try checkReadable(path, what: what)
        do {
            return try NIOSSLPrivateKey(file: path, format: .pem)
        } catch {
            throw TLSSetupError("\(what) \(path) holds no valid unencrypted PEM private key (\(error))")
        }
    }

    private static func checkReadable(_ path: String, what: String) throws(TLSSetupError) {
        guard access(path, R_OK) == 0 else {
            let reason = errno == ENOENT ? "does not exist" : "is not readable"
            throw TLSSetupError("\(what) \(path) \(reason)")
        }
    }
}

/// A TLS certificate, key or CA file that cannot be used.
public struct TLSSetupError: Error, Sendable, Hashable, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}

/// The server side of TLS: its certificate and key, and optionally the CAs
/// whose client certificates it requires (mutual TLS).
public struct ServerTLS: Sendable {
    /// PEM file: the server's certificate, then any intermediates.
    public var certificateChainFile: String
    /// PEM file: the certificate's private key (unencrypted).
    public var privateKeyFile: String
    /// PEM file of CA certificates. When set, every client must present a
    /// certificate that chains to one of them, or the handshake fails.
    public var clientCAFile: String?

    public init(certificateChainFile: String, privateKeyFile: String, clientCAFile: String? = nil) {
        self.certificateChainFile = certificateChainFile
        self.privateKeyFile = privateKeyFile
        self.clientCAFile = clientCAFile
    }

    /// Loads the files; one context serves every connection.
    public func makeContext() throws(TLSSetupError) -> NIOSSLContext {
        try load().context
    }

    /// Loads the files: the context new connections use, and a summary of
    /// the certificate for logs and metrics.
    func load() throws(TLSSetupError) -> (context: NIOSSLContext, certificate: ServerCertificateSummary) {
        let chain = try TransportSecurity.loadChain(certificateChainFile, what: "TLS certificate file")
        let key = try TransportSecurity.loadKey(privateKeyFile, what: "TLS key file")
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: chain.map { .certificate($0) },
            privateKey: .privateKey(key))
        TransportSecurity.restrictVersions(&configuration)
        if let clientCAFile {
            let roots = try TransportSecurity.loadChain(clientCAFile, what: "TLS client CA file")
            // Clients are not identified by host name, so no hostname check.
            configuration.certificateVerification = .noHostnameVerification
            configuration.trustRoots = .certificates(roots)
            configuration.sendCANameList = true
        }
        do {
            return (try NIOSSLContext(configuration: configuration), ServerCertificateSummary(chain[0]))
        } catch {
            throw TLSSetupError(
                "TLS certificate \(certificateChainFile) and key \(privateKeyFile) cannot be used together (\(error))")
        }
    }
}

/// What the logs and metrics say about the server's certificate (the
/// first of its chain file).
public struct ServerCertificateSummary: Sendable, Hashable {
    /// The subject's common name, if it has one.
    public let commonName: String?
    /// The end of its validity, in seconds since the Unix epoch.
    public let notValidAfter: Int
    /// The start of its validity, in seconds since the Unix epoch.
    public let notValidBefore: Int

    public init(commonName: String?, notValidAfter: Int, notValidBefore: Int) {
        self.commonName = commonName
        self.notValidAfter = notValidAfter
        self.notValidBefore = notValidBefore
    }

    init(_ certificate: NIOSSLCertificate) {
        commonName = certificate.subjectName.last { $0.type == .commonName }?.value
        notValidAfter = Int(certificate.notValidAfter)
        notValidBefore = Int(certificate.notValidBefore)
    }
}

/// The client side of TLS: which CAs to trust, the name to verify, and an
/// optional client certificate (for servers that require mutual TLS).
public struct ClientTLS: Sendable, Hashable {
    /// PEM file of the CA certificates to trust; nil trusts the system's store.
    public var caFile: String?
    /// The name the server's certificate must carry, sent as SNI; nil uses
    /// the host connected to (an IP address is then checked against the
    /// certificate's IP addresses).
    public var serverName: String?
    /// PEM file: the client's certificate chain (mutual TLS).
    public var certificateChainFile: String?
    /// PEM file: the client certificate's private key.
    public var privateKeyFile: String?

    public init(
        caFile: String? = nil, serverName: String? = nil, certificateChainFile: String? = nil,
        privateKeyFile: String? = nil
    ) {
        self.caFile = caFile
        self.serverName = serverName
        self.certificateChainFile = certificateChainFile
        self.privateKeyFile = privateKeyFile
    }

    /// Loads the files. A client makes this once and uses it for every connection.
    public func makeContext() throws(TLSSetupError) -> NIOSSLContext {
        var configuration = TLSConfiguration.makeClientConfiguration()
        TransportSecurity.restrictVersions(&configuration)
        configuration.certificateVerification = .fullVerification
        if let caFile {
            configuration.trustRoots = .certificates(try TransportSecurity.loadChain(caFile, what: "TLS CA file"))
        }
        switch (certificateChainFile, privateKeyFile) {
        case let (chainFile?, keyFile?):
            let chain = try TransportSecurity.loadChain(chainFile, what: "TLS client certificate file")
            configuration.certificateChain = chain.map { .certificate($0) }
            configuration.privateKey = .privateKey(try TransportSecurity.loadKey(keyFile, what: "TLS client key file"))
        case (nil, nil):
            break
        case (_?, nil):
            throw TLSSetupError("a TLS client certificate needs its private key file too")
        case (nil, _?):
            throw TLSSetupError("a TLS client key needs its certificate file too")
        }
        do {
            return try NIOSSLContext(configuration: configuration)
        } catch {
            throw TLSSetupError("TLS client settings cannot be used (\(error))")
        }
    }
}

/// The identity in a client certificate the server verified against its
/// client CAs (mutual TLS). Handlers see it as ``ServerContext/peerCertificate``.
public struct VerifiedPeerCertificate: Sendable, Hashable {
    /// The subject's common name (CN), if it has one.
    public let commonName: String?
    /// The DNS names of its subjectAltName extension.
    public let dnsNames: [String]

    public init(commonName: String?, dnsNames: [String]) {
        self.commonName = commonName
        self.dnsNames = dnsNames
    }

    /// The first of the certificate's names (CN, then DNS SANs) in `names`.
    public func name(in names: Set<String>) -> String? {
        if let commonName, names.contains(commonName) { return commonName }
        return dnsNames.first { names.contains($0) }
    }

    init(_ certificate: NIOSSLCertificate) {
        commonName = certificate.subjectName.last { $0.type == .commonName }?.value
        dnsNames = certificate._subjectAlternativeNames().compactMap { name in
            guard name.nameType == .dnsName else { return nil }
            return String(decoding: name.contents, as: UTF8.self)
        }
    }
}

extension RPCError {
    /// A connection that could not be secured: UNAVAILABLE, never processed,
    /// with a `TransportSecurity.Reason` detail (not retried by the client).
    static func tls(_ reason: String, _ message: String) -> RPCError {
        RPCError(.unavailable, message, details: [StatusDetail(reason: reason)], notProcessed: true)
    }

    /// Whether this is a failure to secure the connection (`TLS_…` reason).
    public var isTLSFailure: Bool {
        details.contains { TransportSecurity.Reason.all.contains($0.reason) }
    }
}

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif
