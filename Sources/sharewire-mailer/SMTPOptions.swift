import ArgumentParser
import Foundation
import NIOSSL
import SharewireMailer
import SharewireSMTP

/// Where messages go: an SMTP server (`--smtp URL`, or `--smtp-host`/`--smtp-port`)
/// or the machine's MTA (`--sendmail`). Shared by `run` and `dead-letters retry`.
struct TransportOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "The SMTP server as a URL: smtp://[user@]host[:port] (STARTTLS required; port 587) or smtps://[user@]host[:port] (implicit TLS; port 465). The password never goes in the URL.",
            valueName: "url"))
    var smtp: String?
    @Option(help: "The SMTP server's host (instead of --smtp).") var smtpHost: String?
    @Option(help: "Its port (587 for submission with STARTTLS, 465 for implicit TLS, 25 for a local relay).")
    var smtpPort: Int?
    @Option(
        help: ArgumentHelp(
            "none, starttls (required), starttls-if-offered, or implicit (smtps). Default: from the --smtp scheme, else starttls-if-offered.",
            valueName: "mode"))
    var smtpTls: String?
    @Option(help: "Trust only the CAs in this PEM file for the SMTP server's certificate (default: the system's).")
    var smtpCaFile: String?
    @Option(
        help: "The SMTP user for AUTH PLAIN/LOGIN; the password from SHAREWIRE_SMTP_PASSWORD or --smtp-password-file.")
    var smtpUser: String?
    @Option(help: "A file holding the SMTP password (its first line).") var smtpPasswordFile: String?
    @Flag(help: "Allow AUTH over a connection without TLS (a relay on loopback only).") var smtpAllowAuthWithoutTls =
        false
    @Option(
        help: ArgumentHelp(
            "Give up on a silent SMTP server (or a stuck sendmail) after this many seconds.",
            valueName: "seconds"))
    var smtpTimeout = 60
    @Option(help: "The name given in EHLO.") var hostname = "localhost"
    @Option(
        help: ArgumentHelp(
            "Give each message to the machine's MTA instead of SMTP: this sendmail-compatible program (postfix, exim, msmtp) is run as PATH -i -f FROM -- RCPT.",
            valueName: "path"))
    var sendmail: String?
    @Option(
        help: ArgumentHelp(
            "An argument for --sendmail before -i (repeat for several), e.g. -C/etc/msmtprc.",
            valueName: "arg"))
    var sendmailArg: [String] = []

    func validate() throws {
        if sendmail != nil, smtp != nil || smtpHost != nil || smtpPort != nil {
            throw ValidationError("--sendmail and --smtp/--smtp-host/--smtp-port exclude each other")
        }
        if smtp != nil, smtpHost != nil || smtpPort != nil {
            throw ValidationError("give the SMTP server either as --smtp URL or as --smtp-host/--smtp-port, not both")
        }
        if let sendmail, !FileManager.default.isExecutableFile(atPath: sendmail) {
            throw ValidationError("--sendmail \(sendmail) is not an executable file")
        }
        if let smtpTls, SMTPTLSMode(rawValue: smtpTls) == nil {
            throw ValidationError(
                "--smtp-tls must be one of: " + SMTPTLSMode.allCases.map(\.rawValue).joined(separator: ", "))
        }
        if let smtpPort, !(1...65535).contains(smtpPort) { throw ValidationError("--smtp-port must be 1-65535") }
        guard smtpTimeout > 0 else { throw ValidationError("--smtp-timeout must be positive") }
        _ = try server()
    }

    /// The SMTP server from `--smtp` or the host/port flags.
    func server() throws -> SMTPServerURL {
        var server = SMTPServerURL(
            host: smtpHost ?? "127.0.0.1", port: smtpPort ?? 587, tls: .startTLSIfOffered,
            user: smtpUser)
        if let smtp {
            do { server = try SMTPServerURL(smtp) } catch { throw ValidationError("--smtp: \(error)") }
            if let smtpUser {
                guard server.user == nil || server.user == smtpUser else {
                    throw ValidationError("--smtp-user \(smtpUser) differs from the user in --smtp")
                }
                server.user = smtpUser
            }
        }
        if let smtpTls, let mode = SMTPTLSMode(rawValue: smtpTls) { server.tls = mode }
        return server
    }

    /// The transport to send through, and a one-line description for logs.
    func transport() throws -> (any MailTransport, String) {
        if let sendmail {
            return (
                SendmailTransport(
                    executable: sendmail, arguments: sendmailArg,
                    timeout: .seconds(smtpTimeout)), "sendmail \(sendmail)"
            )
        }
        let server = try server()
        var credentials: SMTPCredentials?
        if let user = server.user {
            guard
                let password = try Secrets.read(
                    file: smtpPasswordFile, variable: "SHAREWIRE_SMTP_PASSWORD",
                    what: "the SMTP password")
            else {
                throw ValidationError(
                    "the SMTP user \(user) needs a password: SHAREWIRE_SMTP_PASSWORD or --smtp-password-file")
            }
            credentials = SMTPCredentials(username: user, password: password)
        }
        var tls = TLSConfiguration.makeClientConfiguration()
        if let smtpCaFile { tls.trustRoots = .file(smtpCaFile) }
        let client = SMTPClient(
            configuration: SMTPConfiguration(
                host: server.host, port: server.port, tls: server.tls, tlsConfiguration: tls, credentials: credentials,
                allowAuthWithoutTLS: smtpAllowAuthWithoutTls, hostname: hostname, timeout: .seconds(Int64(smtpTimeout)))
        )
        return (client, "smtp \(server.host):\(server.port) tls=\(server.tls.rawValue)")
    }
}

/// Secrets come from a file (its first line) or an environment variable, never argv.
enum Secrets {
    static func read(file: String?, variable: String, what: String) throws -> String? {
        if let file {
            do {
                let text = try String(contentsOfFile: file, encoding: .utf8)
                let line = text.split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
                guard !line.isEmpty else { throw ValidationError("\(file) is empty; it should hold \(what)") }
                return line
            } catch let error as ValidationError {
                throw error
            } catch {
                throw ValidationError("cannot read \(what) from \(file): \(error.localizedDescription)")
            }
        }
        return ProcessInfo.processInfo.environment[variable].flatMap { $0.isEmpty ? nil : $0 }
    }
}
