import SharewireMessages
import SharewireRPC
import SharewireServer
import SharingDomain
import Testing

/// The identity rules of mutual TLS (docs/PROTOCOL.md §19.3), unit by unit:
/// a certificate on the allow-list is the service only when the call sends
/// no `authorization`; any other certificate authenticates nothing.
@Suite(.timeLimit(.minutes(1)))
struct TrustedServiceAuthTests {
    typealias Base = AuthenticatorTests
    static let trusted = VerifiedPeerCertificate(commonName: "other-cn", dnsNames: ["x.internal", "billing.internal"])
    static let untrusted = VerifiedPeerCertificate(commonName: "someone.internal", dnsNames: ["someone.internal"])

    @Test func aTrustedCertificateIsTheServiceOnlyWithoutAuthorization() async throws {
        let (backend, dir, alice, _) = try await Base.backendWithAccounts()
        defer { dir.remove() }
        let snapshot = backend.snapshots.latest()
        // No service key configured: the certificate needs none.
        let auth = Authenticator(serviceKey: nil, trustedServices: ["billing.internal"])
        let actAs = [MetadataEntry(key: Authenticator.actAsKey, value: "alice@example.com")]
        #expect(try auth.principal([], certificate: Self.trusted, in: snapshot) == .service)
        #expect(
            try auth.caller(actAs, certificate: Self.trusted, in: snapshot)
                == Caller(account: alice.0, credential: .serviceCertificate("billing.internal")))
        try auth.requireServiceKey([], certificate: Self.trusted, in: snapshot, action: "account creation")
        // The CN matches too.
        let byCN = Authenticator(serviceKey: nil, trustedServices: ["other-cn"])
        #expect(try byCN.principal([], certificate: Self.trusted, in: snapshot) == .service)

        // authorization, when sent, decides alone: an account key stays that account…
        #expect(
            try auth.caller(Base.bearer(alice.1), certificate: Self.trusted, in: snapshot)
                == Caller(account: alice.0, credential: .accountKey(APIKeyID(raw: alice.0.raw))))
        // …may not act as anyone, and a wrong key fails.
        #expect(throws: RPCError.self) {
            try auth.caller(Base.bearer(alice.1, actAs: "bob@example.com"), certificate: Self.trusted, in: snapshot)
        }
        #expect(throws: RPCError.self) {
            try auth.principal(Base.bearer("sw_wrong"), certificate: Self.trusted, in: snapshot)
        }

        // A certificate off the list, or none, authenticates nothing.
        for certificate in [Self.untrusted, nil] {
            #expect(throws: RPCError.self) { try auth.principal(actAs, certificate: certificate, in: snapshot) }
            #expect(throws: RPCError.self) {
                try auth.requireServiceKey([], certificate: certificate, in: snapshot, action: "account creation")
            }
        }
        // Without an allow-list no certificate is trusted.
        #expect(throws: RPCError.self) {
            try Authenticator(serviceKey: nil).principal([], certificate: Self.trusted, in: snapshot)
        }
        try await backend.shutdown()
    }
}
