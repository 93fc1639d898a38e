/// The bookkeeping of concurrent deliveries, as a pure value: which
/// notifications are in flight, whether another may start, and how far the
/// consumer's cursor may move.
///
/// Notifications arrive in sequence order and start in that order, but finish
/// in any order (one waits out a 451 while the next ones go). The cursor may
/// move only through the longest finished prefix: to just below the oldest
/// notification still in flight, or to the newest started when none is. A
/// crash therefore resends at most what was in flight or finished above it,
/// bounded by ``maximumSpan`` (the duplicates carry the same Message-ID).
public struct DeliveryWindow: Sendable, Hashable {
    /// At most this many messages are being sent at once.
    public let concurrency: Int
    /// A notification may start only while it is fewer than this many
    /// sequences above the oldest one in flight, so a message stuck in
    /// retries cannot let the resend-after-crash set grow without bound.
    public let maximumSpan: UInt64

    private(set) var inFlight: Set<UInt64> = []
    /// The newest sequence started.
    private(set) var newestStarted: UInt64
    /// Notifications given up while stopping (neither sent nor refused): the
    /// cursor must stay below them so a restart sends them.
    private(set) var abandoned: Set<UInt64> = []

    public init(concurrency: Int, maximumSpan: UInt64, resumingAfter cursor: UInt64 = 0) {
        self.concurrency = max(1, concurrency)
        self.maximumSpan = max(1, maximumSpan)
        self.newestStarted = cursor
    }

    /// Whether `sequence` (the next notification) may start now.
    public func canStart(_ sequence: UInt64) -> Bool {
        guard inFlight.count < concurrency else { return false }
        guard let oldest = oldestHeld else { return true }
        return sequence < oldest || sequence - oldest < maximumSpan
    }

    public mutating func start(_ sequence: UInt64) {
        inFlight.insert(sequence)
        newestStarted = max(newestStarted, sequence)
    }

    /// `sequence` was sent, or refused for good (dead-lettered).
    public mutating func finish(_ sequence: UInt64) {
        inFlight.remove(sequence)
    }

    /// `sequence` was given up unsent (the mailer is stopping).
    public mutating func abandon(_ sequence: UInt64) {
        inFlight.remove(sequence)
        abandoned.insert(sequence)
    }

    /// Everything at or below this is sent or refused: the cursor may move here.
    public var acknowledgeable: UInt64 {
        guard let oldest = oldestHeld else { return newestStarted }
        return oldest - 1
    }

    /// Messages being sent now.
    public var count: Int { inFlight.count }

    private var oldestHeld: UInt64? {
        switch (inFlight.min(), abandoned.min()) {
        case let (a?, b?): min(a, b)
        case let (a?, nil): a
        case let (nil, b?): b
        case (nil, nil): nil
        }
    }
}
