import ArgumentParser
import Foundation
import Logging
import Metrics
import Prometheus
import SharewireClient
import SharewireMailer
import SharewireOpsHTTP
import SharewireSMTP

/// `sharewire-mailer run`: follow the outbox and send.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Follow the notification outbox and send each notification as an e-mail (the default).",
        discussion: """
            Follows WatchNotifications with its own consumer cursor (--consumer) and sends each notification \
            as a UTF-8 e-mail (text and HTML), several at once (--concurrency). The cursor moves only through \
            notifications whose message was accepted (at least once: a crash resends what was in flight, with \
            the same Message-ID). 4xx replies and connection failures are retried with backoff; 5xx replies \
            are written to the dead-letter directory (see `sharewire-mailer dead-letters`) and skipped. \
            SIGTERM or SIGINT stops it after the messages being sent.

            The service key comes from SHAREWIRE_SERVICE_KEY or --service-key-file; the SMTP password from \
            SHAREWIRE_SMTP_PASSWORD or --smtp-password-file (never from the command line).

            Examples:
              sharewire-mailer --address 127.0.0.1:7070 --service-key-file sharewire-data/service.key \\
                --smtp smtps://mailer@smtp.example.com --from noreply@example.com
              sharewire-mailer --smtp-host 127.0.0.1 --smtp-port 2525 --smtp-tls none --from noreply@example.com
              sharewire-mailer --sendmail /usr/sbin/sendmail --from noreply@example.com
            """)

    @Option(
        help: ArgumentHelp(
            "The sharewired to follow, or several instances of a cluster, comma-separated (default: SHAREWIRE_ADDRESS, else 127.0.0.1:7070).",
            valueName: "host:port[,…]"))
    var address: String?
    @Option(help: "A file holding the service key (default: SHAREWIRE_SERVICE_KEY).") var serviceKeyFile: String?
    @Option(help: "The outbox consumer name whose cursor the mailer moves.") var consumer = "mailer"

    @OptionGroup(title: "Delivery") var transport: TransportOptions
    @OptionGroup(title: "Dead letters") var deadLetters: DeadLetterOptions

    @Option(help: "The From address (also the envelope sender).") var from: String
    @Option(help: "The From display name.") var fromName = "Sharewire"
    @Option(help: "A Reply-To address.") var replyTo: String?
    @Option(
        help: ArgumentHelp(
            "The sign-up page invites link to; {email} becomes the invitee's address, e.g. https://app.example.com/signup?email={email}.",
            valueName: "url"))
    var signupUrl: String?

    @Option(help: "Messages sent at once, each on its own connection (1-64).") var concurrency = 4
    @Option(
        help: ArgumentHelp(
            "A message starts only while it is fewer than this many notifications above the oldest one still being sent (bounds what a crash resends).",
            valueName: "n"))
    var maxUnacknowledged = 1000
    @Option(
        help: ArgumentHelp(
            "Messages per second to any one recipient domain (default: no limit).",
            valueName: "rate"))
    var perDomainRate: Double?
    @Option(
        help: ArgumentHelp(
            "Messages sent at once to a domain before --per-domain-rate applies (default: the rate, at least 1).",
            valueName: "n"))
    var perDomainBurst: Int?
    @Option(help: ArgumentHelp("The first retry of a transient failure waits about this long.", valueName: "ms"))
    var retryInitialMs = 1000
    @Option(help: ArgumentHelp("Retries wait at most this long.", valueName: "seconds")) var retryMaxSeconds = 300
    @Option(help: "trace, debug, info, notice, warning, error or critical.") var logLevel = "info"
    @Flag(name: [.short, .long], help: "Log a progress line every 5 seconds (sent, per second, in flight, cursor).")
    var verbose = false
    @Option(
        help: ArgumentHelp(
            "Serve /metrics (Prometheus), /healthz and /readyz on this port; off unless given; 0 picks a free port.",
            valueName: "port"))
    var metricsPort: Int?
    @Option(help: "Address of that endpoint. It has no authentication: keep it on loopback or a private network.")
    var metricsHost = "127.0.0.1"

    func validate() throws {
        guard NotificationConsumerName.isValid(consumer) else {
            throw ValidationError("--consumer must be 1-64 of the letters A-Z a-z, digits and . _ -")
        }
        guard from.contains("@"), !from.contains(" ") else { throw ValidationError("--from must be an e-mail address") }
        guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("unknown --log-level \(logLevel)") }
        guard retryInitialMs > 0, retryMaxSeconds > 0 else {
            throw ValidationError("--retry-initial-ms and --retry-max-seconds must be positive")
        }
        guard (1...64).contains(concurrency) else { throw ValidationError("--concurrency must be 1-64") }
        guard maxUnacknowledged >= concurrency else {
            throw ValidationError("--max-unacknowledged must be at least --concurrency")
        }
        if let perDomainRate, !(perDomainRate > 0 && perDomainRate.isFinite) {
            throw ValidationError("--per-domain-rate must be a positive number of messages per second")
        }
        if let perDomainBurst, perDomainBurst < 1 { throw ValidationError("--per-domain-burst must be at least 1") }
        if let metricsPort, !(0...65535).contains(metricsPort) {
            throw ValidationError("--metrics-port must be 0-65535")
        }
        if let signupUrl {
            do { _ = try SignupLink(signupUrl) } catch { throw ValidationError("--signup-url: \(error)") }
        }
    }

    func run() async throws {
        bootstrapLogging(logLevel)
        let logger = Logger(label: "sharewire-mailer")
        // Several instances of a cluster, comma-separated: the client sends each
        // call to the readiest one and moves on when one goes away.
        let endpointText = address ?? ProcessInfo.processInfo.environment["SHAREWIRE_ADDRESS"] ?? "127.0.0.1:7070"
        let endpoints = endpointText.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }.compactMap { Endpoint($0) }
        guard !endpoints.isEmpty, endpoints.count == endpointText.split(separator: ",").count else {
            throw ValidationError("--address must be host:port[,host:port…], got \(endpointText)")
        }
        guard
            let serviceKey = try Secrets.read(
                file: serviceKeyFile, variable: "SHAREWIRE_SERVICE_KEY",
                what: "the service key")
        else {
            throw ValidationError("no service key: set SHAREWIRE_SERVICE_KEY or pass --service-key-file")
        }
        let (mailTransport, described) = try transport.transport()
        // Metrics first (the mailer's counters are created with it), then the
        // endpoint: a taken port fails before any mail moves.
        let readiness = Readiness()
        var opsEndpoint: OpsEndpoint?
        if let metricsPort {
            let registry = PrometheusCollectorRegistry()
            var factory = PrometheusMetricsFactory(registry: registry)
            // Delivery lag in seconds: from a notification's commit to the relay's 250.
            factory.defaultValueHistogramBuckets = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800, 3600]
            MetricsSystem.bootstrap(factory)
            var configuration = OpsEndpointConfiguration()
            configuration.host = metricsHost
            configuration.port = metricsPort
            do {
                opsEndpoint = try await OpsEndpoint.start(
                    configuration: configuration, readiness: readiness,
                    metrics: { registry.emit(into: &$0) },
                    logger: Logger(label: "sharewire-mailer.http"))
            } catch {
                throw ValidationError("cannot serve metrics on \(metricsHost):\(metricsPort): \(error)")
            }
        }
        let client = SharewireClient(configuration: .init(endpoints: endpoints, credentials: .serviceKey(serviceKey)))
        let options = MailerOptions(
            consumer: consumer,
            mail: MailSettings(
                from: MailAddress(from, displayName: fromName), replyTo: replyTo.map { MailAddress($0) },
                signupURL: try signupUrl.map { try SignupLink($0) }),
            retry: RetrySchedule(initial: .milliseconds(retryInitialMs), maximum: .seconds(retryMaxSeconds)),
            concurrency: concurrency, maximumSpan: UInt64(maxUnacknowledged), perDomainRate: perDomainRate,
            perDomainBurst: perDomainBurst, deadLetters: DeadLetterDirectory(path: deadLetters.deadLetterDir))
        let mailer = Mailer(client: client, transport: mailTransport, options: options, logger: logger)
        logger.info(
            "sharewire-mailer started",
            metadata: [
                "sharewired": "\(endpoints.map(\.description).joined(separator: ","))", "consumer": "\(consumer)",
                "transport": "\(described)",
                "concurrency": "\(concurrency)", "dead_letters": "\(deadLetters.deadLetterDir)",
            ])

        let running = Task { await mailer.run() }
        readiness.markServing()
        // SIGTERM/SIGINT: finish the messages being sent (and acknowledge them), then exit 0.
        var sources: [any DispatchSourceSignal] = []
        for sig in [SIGTERM, SIGINT] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler {
                logger.info("stopping", metadata: ["signal": "\(sig)"])
                readiness.markDraining()
                if mailer.stop() { running.cancel() }
            }
            source.resume()
            sources.append(source)
        }
        let progress = verbose ? Task { await Self.reportProgress(mailer, logger) } : nil
        await running.value
        progress?.cancel()
        for source in sources { source.cancel() }
        let stats = mailer.stats
        logger.info(
            "sharewire-mailer stopped",
            metadata: [
                "sent": "\(stats.sent)", "retried": "\(stats.retried)", "dead_lettered": "\(stats.skipped)",
                "acknowledged_through": "\(stats.lastAcknowledged)",
            ])
        client.close()
        await opsEndpoint?.close()
    }
}

extension RunCommand {
    /// `--verbose`: one line every 5 s while anything moves.
    static func reportProgress(_ mailer: Mailer, _ logger: Logger) async {
        var last = mailer.stats
        while (try? await Task.sleep(for: .seconds(5))) != nil {
            let now = mailer.stats
            guard now != last || now.inFlight > 0 else { continue }
            logger.notice(
                "progress",
                metadata: [
                    "sent": "\(now.sent)", "per_second": "\(Double(now.sent - last.sent) / 5)",
                    "retried": "\(now.retried)", "dead_lettered": "\(now.skipped)", "in_flight": "\(now.inFlight)",
                    "acknowledged_through": "\(now.lastAcknowledged)",
                ])
            last = now
        }
    }
}

/// The server's rule for consumer names (docs/PROTOCOL.md §17), checked
/// early so a typo fails at start, not on the first call.
enum NotificationConsumerName {
    static func isValid(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= 64
            && name.utf8.allSatisfy {
                ($0 >= 48 && $0 <= 57) || ($0 >= 65 && $0 <= 90) || ($0 >= 97 && $0 <= 122) || $0 == 46 || $0 == 95
                    || $0 == 45
            }
    }
}
