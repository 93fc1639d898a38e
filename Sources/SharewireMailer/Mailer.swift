import Foundation
import Logging
import Metrics
import SharewireClient
import SharewireSMTP
import Synchronization

/// Where messages go: ``SharewireSMTP/SMTPClient`` or ``SendmailTransport``.
public protocol MailTransport: Sendable {
    /// Returns once the server (or the local MTA) accepted the message.
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
    /// Messages sent at once (each on its own SMTP connection).
    public var concurrency: Int
    /// How far above the oldest message in flight a new one may start (``DeliveryWindow``).
    public var maximumSpan: UInt64
    /// Messages per second per recipient domain (nil: no limit) and the burst allowed.
    public var perDomainRate: Double?
    public var perDomainBurst: Int?
    /// Where permanently refused messages are kept (nil: logged and counted only).
    public var deadLetters: DeadLetterDirectory?

    public init(
        consumer: String = "mailer", mail: MailSettings, retry: RetrySchedule = RetrySchedule(),
        reconnect: RetrySchedule = RetrySchedule(initial: .milliseconds(500), maximum: .seconds(30)),
        concurrency: Int = 4, maximumSpan: UInt64 = 1000, perDomainRate: Double? = nil,
        perDomainBurst: Int? = nil, deadLetters: DeadLetterDirectory? = nil
    ) {
        self.consumer = consumer
        self.mail = mail
        self.retry = retry
        self.reconnect = reconnect
        self.concurrency = concurrency
        self.maximumSpan = maximumSpan
        self.perDomainRate = perDomainRate
        self.perDomainBurst = perDomainBurst
        self.deadLetters = deadLetters
    }
}

/// Follows the notification outbox with its own consumer cursor and sends
/// each notification as an e-mail, several at once.
///
/// Delivery is **at least once**: the cursor moves only through notifications
/// whose message the SMTP server accepted (or refused for good), so a crash
/// sends the rest again on restart (same Message-ID). Transient failures
/// (4xx, connection trouble) are retried with backoff in their own slot while
/// the next messages go; permanent ones (5xx) are dead-lettered, counted and
/// skipped, so one bad address never blocks the rest.
public final class Mailer: Sendable {
    /// Counts since start, for the exit summary and tests.
    public struct Stats: Sendable, Hashable {
        public var sent = 0
        public var retried = 0
        /// Refused permanently (dead-lettered when a directory is set).
        public var skipped = 0
        public var lastAcknowledged: UInt64 = 0
        /// Messages being sent (or waiting out a backoff) now.
        public var inFlight = 0
    }

    struct State {
        var stopping = false
        var stats = Stats()
        var window: DeliveryWindow
        var limiter: DomainRateLimiter<ContinuousClock.Instant>
        /// Every delivery task still running, by sequence.
        var tasks: [UInt64: Task<Void, Never>] = [:]
        /// Deliveries waiting (backoff or rate limit): a stop cancels them.
        var waiting: Set<UInt64> = []
        /// The follow loop waiting for a free slot for this sequence.
        var slotWaiter: (sequence: UInt64, continuation: CheckedContinuation<Bool, Never>)?
        var acknowledging = false
        var acknowledgedThrough: UInt64 = 0
    }

    let client: SharewireClient
    let transport: any MailTransport
    let options: MailerOptions
    let logger: Logger
    private let state: Mutex<State>
    private let sentCounter = Counter(label: "sharewire_mailer_sent_total")
    private let retriedCounter = Counter(label: "sharewire_mailer_retried_total")
    private let skippedCounter = Counter(label: "sharewire_mailer_dead_lettered_total")
    private let inFlightGauge = Gauge(label: "sharewire_mailer_in_flight")
    /// The consumer's acknowledged cursor (compare with the outbox's newest sequence).
    private let cursorGauge = Gauge(label: "sharewire_mailer_acknowledged_sequence")
    /// Seconds from the notification's commit to the relay's acceptance.
    private let lagRecorder = Recorder(label: "sharewire_mailer_delivery_lag_seconds")

    public init(client: SharewireClient, transport: any MailTransport, options: MailerOptions, logger: Logger) {
        self.client = client
        self.transport = transport
        self.options = options
        self.logger = logger
        state = Mutex(
            State(
                window: DeliveryWindow(concurrency: options.concurrency, maximumSpan: options.maximumSpan),
                limiter: DomainRateLimiter(rate: options.perDomainRate, burst: options.perDomainBurst)))
    }

    public var stats: Stats {
        state.withLock { s in
            var stats = s.stats
            stats.inFlight = s.window.count
            return stats
        }
    }

    /// Asks the mailer to stop: no new message starts, messages being sent
    /// finish (and are acknowledged), messages waiting out a backoff are left
    /// for the next run. Returns true: the caller may cancel the task running
    /// ``run()`` (it then stops following the outbox and drains).
    @discardableResult
    public func stop() -> Bool {
        let (waiter, toCancel) = state.withLock { s in
            s.stopping = true
            let waiter = s.slotWaiter
            s.slotWaiter = nil
            return (waiter, s.waiting.compactMap { s.tasks[$0] })
        }
        waiter?.continuation.resume(returning: false)
        for task in toCancel { task.cancel() }
        return true
    }

    /// Runs until ``stop()`` or cancellation, then waits for the messages in
    /// flight and acknowledges what was sent.
    public func run() async {
        var rng = SystemRandomNumberGenerator()
        var lastSeen: UInt64 = 0
        var failures = 0
        following: while !state.withLock({ $0.stopping }), !Task.isCancelled {
            do {
                // Resumes after the consumer's stored cursor, or after what
                // this process already started, whichever is later.
                for try await n in client.watchNotifications(from: lastSeen, consumer: options.consumer) {
                    failures = 0
                    guard await waitForSlot(n.sequence) else { break following }
                    lastSeen = n.sequence
                    startDelivery(n)
                }
                logger.info("the outbox stream ended (server shutting down?); following it again")
            } catch {
                if state.withLock({ $0.stopping }) || Task.isCancelled { break }
                failures += 1
                logger.warning(
                    "following the outbox failed; retrying",
                    metadata: [
                        "error": "\(error)", "attempt": "\(failures)",
                    ])
            }
            do {
                try await Task.sleep(for: options.reconnect.delay(attempt: max(1, failures), using: &rng))
            } catch {
                break
            }
        }
        stop()
        // An unstructured task: the drain's acknowledgement must not see
        // this task's cancellation (a SIGTERM cancels it).
        await Task { await self.drain() }.value
    }

    /// Waits until `sequence` may start (and starts it in the window); false when stopping.
    private func waitForSlot(_ sequence: UInt64) async -> Bool {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
                let now: Bool? = state.withLock { s in
                    if s.stopping || Task.isCancelled { return false }
                    if s.window.canStart(sequence) {
                        s.window.start(sequence)
                        return true
                    }
                    s.slotWaiter = (sequence, continuation)
                    return nil
                }
                if let now { continuation.resume(returning: now) }
            }
        } onCancel: {
            let waiter = state.withLock { s in
                defer { s.slotWaiter = nil }
                return s.slotWaiter
            }
            waiter?.continuation.resume(returning: false)
        }
    }

    private func startDelivery(_ n: OutboxNotification) {
        state.withLock { s in
            // The task registers itself under the lock, so a stop() that
            // comes while it starts still finds it.
            s.tasks[n.sequence] = Task { await self.deliver(n) }
            inFlightGauge.record(s.window.count)
        }
    }

    /// Waits for every delivery task, then acknowledges what they finished.
    private func drain() async {
        while let task = state.withLock({ $0.tasks.values.first }) {
            await task.value
        }
        await acknowledge()
    }

    enum Outcome { case sent, refused, abandoned }

    private func deliver(_ n: OutboxNotification) async {
        let outcome = await attempt(n)
        let waiter: (CheckedContinuation<Bool, Never>)? = state.withLock { s in
            switch outcome {
            case .sent, .refused: s.window.finish(n.sequence)
            case .abandoned: s.window.abandon(n.sequence)
            }
            s.waiting.remove(n.sequence)
            inFlightGauge.record(s.window.count)
            guard let w = s.slotWaiter, s.window.canStart(w.sequence) else { return nil }
            s.window.start(w.sequence)
            s.slotWaiter = nil
            return w.continuation
        }
        waiter?.resume(returning: true)
        await acknowledge()
        // Only now: drain() waits for this task, so an acknowledgement it
        // carries finishes before the mailer stops (and closes its client).
        state.withLock { _ = $0.tasks.removeValue(forKey: n.sequence) }
    }

    private func attempt(_ n: OutboxNotification) async -> Outcome {
        var rng = SystemRandomNumberGenerator()
        let mail = NotificationMail.message(for: n, settings: options.mail)
        let bytes = mail.rendered()
        let envelope = SMTPEnvelope(from: options.mail.from.address, recipients: [n.recipientEmail])
        let meta: Logger.Metadata = [
            "sequence": "\(n.sequence)", "kind": "\(n.kind)",
            "to": "\(n.recipientEmail)", "language": "\(n.language)",
        ]
        var attempt = 0
        while true {
            let rateWait = state.withLock { $0.limiter.reserve(domain: mailDomain(of: n.recipientEmail), now: .now) }
            if rateWait > .zero {
                logger.debug(
                    "rate limit for the recipient's domain",
                    metadata: meta.merging([
                        "wait": "\(rateWait)"
                    ]) { a, _ in a })
                guard await wait(rateWait, sequence: n.sequence) else { return .abandoned }
            }
            do throws(SMTPError) {
                try await transport.send(bytes, envelope: envelope)
                sentCounter.increment()
                lagRecorder.record(max(0, n.createdAt.distance(to: .now)))
                state.withLock { $0.stats.sent += 1 }
                logger.info("sent", metadata: meta.merging(["attempts": "\(attempt + 1)"]) { a, _ in a })
                return .sent
            } catch  where error.isTransient {
                attempt += 1
                retriedCounter.increment()
                state.withLock { $0.stats.retried += 1 }
                let delay = options.retry.delay(attempt: attempt, using: &rng)
                logger.warning(
                    "delivery failed for now; retrying",
                    metadata: meta.merging([
                        "error": "\(error)", "attempt": "\(attempt)", "retry_in": "\(delay)",
                    ]) { a, _ in a })
                guard await wait(delay, sequence: n.sequence) else { return .abandoned }
            } catch {
                skippedCounter.increment()
                state.withLock { $0.stats.skipped += 1 }
                var where_ = "not kept (no dead-letter directory)"
                if let deadLetters = options.deadLetters {
                    do {
                        let record = DeadLetter(
                            notification: n, envelope: envelope, error: error.description,
                            attempts: attempt + 1)
                        try deadLetters.write(record, message: bytes)
                        where_ = deadLetters.path(for: n.sequence)
                    } catch {
                        // Not acknowledging would resend it forever; keeping the
                        // queue moving matters more, and the log keeps the reason.
                        where_ = "could not be written: \(error)"
                    }
                }
                logger.error(
                    "delivery refused permanently; dead-lettered",
                    metadata: meta.merging([
                        "error": "\(error)", "dead_letter": "\(where_)",
                    ]) { a, _ in a })
                return .refused
            }
        }
    }

    /// Sleeps `duration` unless the mailer stops; false when it stopped.
    private func wait(_ duration: Duration, sequence: UInt64) async -> Bool {
        let stopping = state.withLock { s in
            s.waiting.insert(sequence)
            return s.stopping
        }
        defer { state.withLock { _ = $0.waiting.remove(sequence) } }
        if stopping { return false }
        do { try await Task.sleep(for: duration) } catch { return false }
        return !state.withLock { $0.stopping }
    }

    /// Moves the cursor to what the window allows. One acknowledgement runs
    /// at a time and carries everything finished meanwhile (cursors are
    /// cumulative). A failure is logged, not fatal: the next one covers it;
    /// if the mailer stops first, those notifications are sent again on restart.
    private func acknowledge() async {
        let mine = state.withLock { s in
            guard !s.acknowledging else { return false }
            s.acknowledging = true
            return true
        }
        guard mine else { return }
        while true {
            let target: UInt64? = state.withLock { s in
                let target = s.window.acknowledgeable
                guard target > s.acknowledgedThrough else {
                    s.acknowledging = false
                    return nil
                }
                return target
            }
            guard let target else { return }
            do {
                let cursor = try await client.ackNotifications(through: target, consumer: options.consumer)
                let acknowledged = state.withLock { s in
                    s.acknowledgedThrough = max(s.acknowledgedThrough, target)
                    s.stats.lastAcknowledged = max(s.stats.lastAcknowledged, cursor)
                    return s.stats.lastAcknowledged
                }
                cursorGauge.record(Double(acknowledged))
            } catch {
                logger.warning(
                    "acknowledging failed; a restart may send these again",
                    metadata: [
                        "through": "\(target)", "error": "\(error)",
                    ])
                state.withLock { $0.acknowledging = false }
                return
            }
        }
    }
}
