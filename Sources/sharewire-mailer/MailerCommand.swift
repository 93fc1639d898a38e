import ArgumentParser
import Foundation
import Logging
import NIOSSL
import SharewireClient
import SharewireMailer
import SharewireSMTP

/// `sharewire-mailer`: follows the notification outbox of a `sharewired` and
/// sends each notification by SMTP (docs/MAILER.md).
@main
struct MailerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sharewire-mailer",
        abstract: "Send Sharewire's notification e-mails through an SMTP server.",
        discussion: """
            Follows WatchNotifications with its own consumer cursor (--consumer), sends each notification \
            as a UTF-8 e-mail, and acknowledges it once the SMTP server accepted it (at least once: a crash \
            in between sends it again, with the same Message-ID). 4xx replies and connection failures are \
            retried with backoff; 5xx replies are logged and skipped. SIGTERM or SIGINT stops it after the \
            message in hand.

            The service key comes from SHAREWIRE_SERVICE_KEY or --service-key-file; the SMTP password from \
            SHAREWIRE_SMTP_PASSWORD or --smtp-password-file (never from the command line).

            Example:
              sharewire-mailer --address 127.0.0.1:7070 --service-key-file sharewire-data/service.key \\
                --smtp-host 127.0.0.1 --smtp-port 2525 --smtp-tls none --from noreply@example.com
            """)

    @Option(help: ArgumentHelp("The sharewired to follow (default: SHAREWIRE_ADDRESS, else 127.0.0.1:7070).",
                               valueName: "host:port"))
    var address: String?
    @Option(help: "A file holding the service key (default: SHAREWIRE_SERVICE_KEY).") var serviceKeyFile: String?
    @Option(help: "The outbox consumer name whose cursor the mailer moves.") var consumer = "mailer"

    @Option(help: "The SMTP server.") var smtpHost = "127.0.0.1"
    @Option(help: "Its port (587 for submission with STARTTLS, 465 for implicit TLS, 25 for a local relay).")
    var smtpPort = 587
    @Option(help: ArgumentHelp("none, starttls (required), starttls-if-offered, or implicit (smtps).",
                               valueName: "mode"))
    var smtpTls = SMTPTLSMode.startTLSIfOffered.rawValue
    @Option(help: "Trust only the CAs in this PEM file for the SMTP server's certificate (default: the system's).")
    var smtpCaFile: String?
    @Option(help: "The SMTP user for AUTH PLAIN/LOGIN; the password from SHAREWIRE_SMTP_PASSWORD or --smtp-password-file.")
    var smtpUser: String?
    @Option(help: "A file holding the SMTP password (its first line).") var smtpPasswordFile: String?
    @Flag(help: "Allow AUTH over a connection without TLS (a relay on loopback only).") var smtpAllowAuthWithoutTls = false
    @Option(help: ArgumentHelp("Give up on a silent SMTP server after this many seconds.", valueName: "seconds"))
    var smtpTimeout = 60
    @Option(help: "The name given in EHLO.") var hostname = "localhost"

    @Option(help: "The From address.") var from: String
    @Option(help: "The From display name.") var fromName = "Sharewire"
    @Option(help: "A Reply-To address.") var replyTo: String?

    @Option(help: ArgumentHelp("The first retry of a transient failure waits about this long.", valueName: "ms"))
    var retryInitialMs = 1000
    @Option(help: ArgumentHelp("Retries wait at most this long.", valueName: "seconds")) var retryMaxSeconds = 300
    @Option(help: "trace, debug, info, notice, warning, error or critical.") var logLevel = "info"

    func validate() throws {
        guard SMTPTLSMode(rawValue: smtpTls) != nil else {
            throw ValidationError("--smtp-tls must be one of: " + SMTPTLSMode.allCases.map(\.rawValue).joined(separator: ", "))
        }
        guard (1...65535).contains(smtpPort) else { throw ValidationError("--smtp-port must be 1-65535") }
        guard NotificationConsumerName.isValid(consumer) else {
            throw ValidationError("--consumer must be 1-64 of the letters A-Z a-z, digits and . _ -")
        }
        guard from.contains("@"), !from.contains(" ") else { throw ValidationError("--from must be an e-mail address") }
        guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("unknown --log-level \(logLevel)") }
        guard retryInitialMs > 0, retryMaxSeconds > 0, smtpTimeout > 0 else {
            throw ValidationError("--retry-initial-ms, --retry-max-seconds and --smtp-timeout must be positive")
        }
    }

    func run() async throws {
        let level = Logger.Level(rawValue: logLevel) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "sharewire-mailer")
        let environment = ProcessInfo.processInfo.environment

        let endpointText = address ?? environment["SHAREWIRE_ADDRESS"] ?? "127.0.0.1:7070"
        guard let endpoint = Endpoint(endpointText) else {
            throw ValidationError("--address must be host:port, got \(endpointText)")
        }
        let serviceKey = try secret(file: serviceKeyFile, variable: "SHAREWIRE_SERVICE_KEY", what: "the service key")
        guard let serviceKey else {
            throw ValidationError("no service key: set SHAREWIRE_SERVICE_KEY or pass --service-key-file")
        }
        var credentials: SMTPCredentials?
        if let smtpUser {
            guard let password = try secret(file: smtpPasswordFile, variable: "SHAREWIRE_SMTP_PASSWORD",
                                            what: "the SMTP password") else {
                throw ValidationError("--smtp-user needs a password: SHAREWIRE_SMTP_PASSWORD or --smtp-password-file")
            }
            credentials = SMTPCredentials(username: smtpUser, password: password)
        }
        var tls = TLSConfiguration.makeClientConfiguration()
        if let smtpCaFile { tls.trustRoots = .file(smtpCaFile) }
        let smtp = SMTPClient(configuration: SMTPConfiguration(
            host: smtpHost, port: smtpPort, tls: SMTPTLSMode(rawValue: smtpTls)!, tlsConfiguration: tls,
            credentials: credentials, allowAuthWithoutTLS: smtpAllowAuthWithoutTls, hostname: hostname,
            timeout: .seconds(Int64(smtpTimeout))))

        let client = SharewireClient(configuration: .init(endpoint: endpoint, credentials: .serviceKey(serviceKey)))
        let options = MailerOptions(
            consumer: consumer,
            mail: MailSettings(from: MailAddress(from, displayName: fromName), replyTo: replyTo.map { MailAddress($0) }),
            retry: RetrySchedule(initial: .milliseconds(retryInitialMs), maximum: .seconds(retryMaxSeconds)))
        let mailer = Mailer(client: client, transport: smtp, options: options, logger: logger)
        logger.info("sharewire-mailer started", metadata: [
            "sharewired": "\(endpoint)", "consumer": "\(consumer)", "smtp": "\(smtpHost):\(smtpPort)",
            "tls": "\(smtpTls)"])

        let running = Task { await mailer.run() }
        // SIGTERM/SIGINT: finish the message in hand (sent and acknowledged), then exit 0.
        var sources: [any DispatchSourceSignal] = []
        for sig in [SIGTERM, SIGINT] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler {
                logger.info("stopping", metadata: ["signal": "\(sig)"])
                if mailer.stop() { running.cancel() }
            }
            source.resume()
            sources.append(source)
        }
        await running.value
        for source in sources { source.cancel() }
        let stats = mailer.stats
        logger.info("sharewire-mailer stopped", metadata: [
            "sent": "\(stats.sent)", "retried": "\(stats.retried)", "skipped": "\(stats.skipped)",
            "acknowledged_through": "\(stats.lastAcknowledged)"])
        client.close()
    }

    /// A secret from `file` (its first line) or the environment variable; nil if neither is given.
    private func secret(file: String?, variable: String, what: String) throws -> String? {
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

/// The server's rule for consumer names (docs/PROTOCOL.md §17), checked
/// early so a typo fails at start, not on the first call.
enum NotificationConsumerName {
    static func isValid(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= 64 && name.utf8.allSatisfy {
            ($0 >= 48 && $0 <= 57) || ($0 >= 65 && $0 <= 90) || ($0 >= 97 && $0 <= 122) || $0 == 46 || $0 == 95 || $0 == 45
        }
    }
}
