import Logging
import SharingDomain
import Synchronization

/// Commits the expiry of time-limited shares (docs/SERVER.md, "Share expiry").
///
/// Check never waits for it: a snapshot compares a share's `expiresAt` with
/// its clock, so access ends at the instant whether or not this has run. The
/// timer only turns an ended share into a removed row, a `share.expired`
/// event and notifications, by submitting ``SharingCommand/expireShares`` when
/// the earliest expiry of the latest snapshot has passed.
///
/// Correct across a restart: expiries are stored with the shares, and the
/// first round after start-up expires whatever passed while the server was
/// down. Correct in a cluster: every instance runs a timer, and the expiry
/// write goes through the store's revision lock like any other write; it is
/// applied on the latest state of all instances, so the second instance to
/// get there finds the rows gone and writes nothing (no revision, no event,
/// no notification twice).
public final class ExpiryTimer: Sendable {
    public struct Configuration: Sendable {
        /// Longest the timer sleeps without looking at the snapshot again: the
        /// most an expiry event lags behind a share created after the timer
        /// went to sleep with a later (or no) expiry in view. Check does not lag.
        public var pollInterval: Duration = .seconds(1)
        /// Pause after a failed expiry write (storage down) before trying again.
        public var retryDelay: Duration = .seconds(1)
        public init() {}
    }

    private let task = OwnedTask()
    private let writeCount = Atomic<Int>(0)
    private let lookCount = Atomic<Int>(0)

    private init() {}

    /// Starts the timer over `writer`, reading time from `clock` (the same
    /// clock the writer stamps writes with and the snapshots check against).
    static func start(
        writer: SharingWriter, clock: @escaping @Sendable () -> Timestamp,
        configuration: Configuration, logger: Logger
    ) -> ExpiryTimer {
        let timer = ExpiryTimer()
        let started = Task { [weak timer] in
            while !Task.isCancelled {
                timer?.lookCount.add(1, ordering: .relaxed)
                let snapshot = writer.snapshots.latest()
                let now = clock()
                var sleep = configuration.pollInterval
                if let next = snapshot.state.nextExpiry {
                    if next <= now {
                        do {
                            let result = try await writer.submit(.expireShares, actor: nil)
                            timer?.writeCount.add(1, ordering: .relaxed)
                            if case let .count(_, _, removed) = result.outcome, removed > 0 {
                                logger.info(
                                    "shares expired",
                                    metadata: [
                                        "count": "\(removed)",
                                        "revision": "\(result.revision)",
                                    ])
                                continue  // the next expiry may be due too
                            }
                            // Nothing was due on the writer's state (another instance expired
                            // it, or the share changed meanwhile): look again shortly.
                            sleep = .milliseconds(50)
                        } catch {
                            logger.warning("share expiry write failed", metadata: ["error": "\(error)"])
                            sleep = configuration.retryDelay
                        }
                    } else {
                        let wait = Duration.milliseconds(next.millisecondsSinceEpoch - now.millisecondsSinceEpoch)
                        sleep = min(sleep, wait)
                    }
                }
                do { try await Task.sleep(for: sleep) } catch { return }
            }
        }
        timer.task.own(started)
        return timer
    }

    /// Expiry writes submitted so far (for tests).
    public var writes: Int { writeCount.load(ordering: .relaxed) }

    /// Times the timer has started a look at the latest snapshot and the
    /// clock (for tests: two more looks after a change of the clock or the
    /// state mean one whole look, and any write it made, saw that change).
    public var looks: Int { lookCount.load(ordering: .relaxed) }

    /// Stops the timer; returns once its task has ended.
    public func stop() async { await task.stop() }
}
