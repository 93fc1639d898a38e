import Logging
import Metrics
import SharewireClient
import SharewireSMTP
import Synchronization

/// Where messages go: ``SharewireSMTP/SMTPClient`` in production.
public protocol MailTransport: Sendable {
    /// Returns once the server accepted the message.
    func send(_ message: [UInt8], envelope: SMTPEnvelope) async throws(SMTPError)
}

extension SMTPClient: MailTransport {}

/// What the mailer is told.
public struct MailerOptions: Sendable {
    /// The outbox consumer whose cursor the mailer moves.
    public var consumer: String
    public var mail: MailSettings
    /// Backoff for transient SMTP failures (retried until they succeed or turn permanent).
    public var retry: RetrySchedule
    /// Backoff before following the outbox again after the stream ended or failed.
    public var reconnect: RetrySchedule

    public init(consumer: String = "mailer", mail: MailSettings, retry: RetrySchedule = RetrySchedule(),
                reconnect: RetrySchedule = RetrySchedule(initial: .milliseconds(500), maximum: .seconds(30))) {
        self.consumer = consumer
        self.mail = mail
        self.retry = retry
        self.reconnect = reconnect
    }
}

/// Follows the notification outbox with its own consumer cursor and sends
/// each notification as an e-mail, in sequence order, one at a time.
///
/// Delivery is **at least once**: a notification is acknowledged only after
/// the SMTP server accepted its message, so a crash between the two sends it
/// again on restart (same Message-ID). Transient failures (4xx, connection
/// trouble) are retried with backoff and hold the queue; permanent ones
/// (5xx) are logged, counted and skipped (acknowledged), so one bad address
/// never blocks the rest.
public final class Mailer: Sendable {
    /// Counts since start, for the exit summary and tests.
    public struct Stats: Sendable, Hashable {
        public var sent = 0
        public var retried = 0
        public var skipped = 0
        public var lastAcknowledged: UInt64 = 0
    }

    enum Phase { case idle, sending, backingOff }
    struct State {
        var phase = Phase.idle
        var stopping = false
        var stats = Stats()
    }

    let client: SharewireClient
    let transport: any MailTransport
    let options: MailerOptions
    let logger: Logger
    private let state = Mutex(State())
    private let sentCounter = Counter(label: "sharewire_mailer_sent_total")
    private let retriedCounter = Counter(label: "sharewire_mailer_retried_total")
    private let skippedCounter = Counter(label: "sharewire_mailer_skipped_total")

    public init(client: SharewireClient, transport: any MailTransport, options: MailerOptions, logger: Logger) {
        self.client = client
        self.transport = transport
        self.options = options
        self.logger = logger
    }

    public var stats: Stats { state.withLock { $0.stats } }

    /// Asks the mailer to stop after the message in hand (sent and
    /// acknowledged). Returns true when the caller should cancel the task
    /// running ``run()`` now: it is waiting for notifications or backing off,
    /// and nothing is lost by interrupting it.
    public func stop() -> Bool {
        state.withLock {
            $0.stopping = true
            return $0.phase != .sending
        }
    }

    struct Stopped: Error {}

    /// Runs until ``stop()`` (or cancellation).
    public func run() async {
        var rng = SystemRandomNumberGenerator()
        var lastSeen: UInt64 = 0
        var failures = 0
        while !state.withLock({ $0.stopping }), !Task.isCancelled {
            do {
                // Resumes after the consumer's stored cursor, or after what
                // this process already handled, whichever is later.
                for try await n in client.watchNotifications(from: lastSeen, consumer: options.consumer) {
                    failures = 0
                    guard enter(.sending) else { return }
                    try await deliver(n, rng: &rng)
                    lastSeen = n.sequence
                    await acknowledge(through: n.sequence)
                    // A stop() while sending did not cancel us: notice it
                    // here, before waiting for the next notification.
                    guard enter(.idle) else { return }
                }
                logger.info("the outbox stream ended (server shutting down?); following it again")
            } catch is Stopped {
                return
            } catch {
                if state.withLock({ $0.stopping }) || Task.isCancelled { return }
                failures += 1
                logger.warning("following the outbox failed; retrying", metadata: [
                    "error": "\(error)", "attempt": "\(failures)"])
            }
            do {
                try await Task.sleep(for: options.reconnect.delay(attempt: max(1, failures), using: &rng))
            } catch {
                return
            }
        }
    }

    /// Sets the phase; false when the mailer must stop.
    private func enter(_ phase: Phase) -> Bool {
        state.withLock {
            $0.phase = phase
            return !$0.stopping
        }
    }

    private func deliver(_ n: OutboxNotification, rng: inout SystemRandomNumberGenerator) async throws {
        let mail = NotificationMail.message(for: n, settings: options.mail)
        let bytes = mail.rendered()
        let envelope = SMTPEnvelope(from: options.mail.from.address, recipients: [n.recipientEmail])
        let meta: Logger.Metadata = ["sequence": "\(n.sequence)", "kind": "\(n.kind)",
                                     "to": "\(n.recipientEmail)", "language": "\(n.language)"]
        var attempt = 0
        while true {
            do throws(SMTPError) {
                try await transport.send(bytes, envelope: envelope)
                sentCounter.increment()
                state.withLock { $0.stats.sent += 1 }
                logger.info("sent", metadata: meta.merging(["attempts": "\(attempt + 1)"]) { a, _ in a })
                return
            } catch where error.isTransient {
                attempt += 1
                retriedCounter.increment()
                state.withLock { $0.stats.retried += 1 }
                let wait = options.retry.delay(attempt: attempt, using: &rng)
                logger.warning("delivery failed for now; retrying", metadata: meta.merging([
                    "error": "\(error)", "attempt": "\(attempt)", "retry_in": "\(wait)"]) { a, _ in a })
                guard enter(.backingOff) else { throw Stopped() }
                do { try await Task.sleep(for: wait) } catch { throw Stopped() }
                guard enter(.sending) else { throw Stopped() }
            } catch {
                skippedCounter.increment()
                state.withLock { $0.stats.skipped += 1 }
                logger.error("delivery refused permanently; skipped", metadata: meta.merging([
                    "error": "\(error)"]) { a, _ in a })
                return
            }
        }
    }

    /// Acknowledges through `sequence`. A failure is logged, not fatal: the
    /// next acknowledgement covers this one too (cursors are cumulative); if
    /// the mailer stops first, the notification is sent again on restart.
    private func acknowledge(through sequence: UInt64) async {
        do {
            let cursor = try await client.ackNotifications(through: sequence, consumer: options.consumer)
            state.withLock { $0.stats.lastAcknowledged = cursor }
        } catch {
            logger.warning("acknowledging failed; a restart may send it again", metadata: [
                "sequence": "\(sequence)", "error": "\(error)"])
        }
    }
}
