import SharewireCLICore
import SharewireClient
import Testing

/// TLS settings follow the CLI's per-setting precedence, and a client
/// certificate stands in for the service key.
@Suite("TLS settings")
struct TLSSettingsUnitTests {
    let noFile: (String) throws -> String = { _ in throw CLIError(.config, "no file") }

    @Test func eachTLSSettingHasItsOwnPrecedence() throws {
        let config = try ConfigFile(
            parsing: """
                tls = true
                tls_ca_file = "/config/ca.pem"
                tls_cert_file = "/config/svc.pem"
                tls_key_file = "/config/svc.key"
                """)
        let environment = SettingsLayer(environment: ["SHAREWIRE_TLS_CA_FILE": "/env/ca.pem"])
        let flags = SettingsLayer(tlsServerName: "sharewire.internal")
        let settings = try ConnectionSettings.resolve(
            flags: flags, environment: environment,
            config: SettingsLayer(config: config), readFile: noFile)
        #expect(
            settings.tls
                == Sourced(
                    TLSSettings(
                        trust: .caFile("/env/ca.pem"), serverName: "sharewire.internal",
                        clientCertificate: .init(
                            certificateFile: "/config/svc.pem",
                            keyFile: "/config/svc.key")), .flag))
        // The certificate is the service (no key anywhere), and acts for an account with --act-as.
        #expect(try settings.credentials(for: .service) == .clientCertificate())
        #expect(try settings.credentials(for: .accountOrService) == .clientCertificate())
        var acting = settings
        acting.actAs = Sourced("alice@example.com", .flag)
        #expect(try acting.credentials(for: .account) == .clientCertificate(actingAs: "alice@example.com"))
        // A configured service key still wins.
        acting.serviceKey = Sourced("key", .environment)
        #expect(try acting.credentials(for: .account) == .serviceKey("key", actingAs: "alice@example.com"))
    }

    @Test func offUnlessTurnedOnAndBadValuesAreConfigErrors() throws {
        let none = try ConnectionSettings.resolve(
            flags: .init(), environment: .init(), config: .init(), readFile: noFile)
        #expect(none.tls == nil)
        let system = try ConnectionSettings.resolve(
            flags: .init(), environment: SettingsLayer(environment: ["SHAREWIRE_TLS": "true"]),
            config: .init(), readFile: noFile)
        #expect(system.tls == Sourced(TLSSettings(), .environment))
        // An explicit false turns TLS off, even when a lower source names a CA file.
        let off = try ConnectionSettings.resolve(
            flags: .init(), environment: SettingsLayer(tls: "false"),
            config: SettingsLayer(tlsCAFile: "/ca.pem"), readFile: noFile)
        #expect(off.tls == nil)
        for layer in [SettingsLayer(tls: "maybe"), SettingsLayer(tlsCertFile: "/c.pem")] {
            do {
                _ = try ConnectionSettings.resolve(
                    flags: layer, environment: .init(), config: .init(), readFile: noFile)
                Issue.record("accepted \(layer)")
            } catch {
                #expect(error.exitCode == .config, "\(error)")
            }
        }
    }
}
