/// Paces the server-streaming handlers of one connection, so a stream that
/// never suspends can neither grow the connection's memory past its write
/// buffer watermark nor hold the event loop from the other connections on it.
///
/// A pure value: the connection handler reports each MESSAGE it appended and
/// whether its channel is writable, and does what the answers say.
/// Event-loop confined, owned by the connection handler.
struct StreamPacer {
    /// What a producing handler does after its MESSAGE is appended.
    enum Pace: Equatable {
        /// Go on producing at once.
        case proceed
        /// Give the event loop to other work first (other connections' reads
        /// and calls), then go on.
        case yield
        /// Wait until the channel is writable again (its peer read enough).
        case waitUntilWritable
    }

    /// Outbox bytes past which the batch is handed to the channel at once,
    /// instead of at the end of the event-loop tick. Only bytes inside the
    /// channel count toward its high watermark, so without this a stream
    /// could fill the outbox without bound.
    let flushThreshold: Int
    /// Messages the handlers of this connection may append without yielding.
    let messagesPerYield: Int
    private var sinceYield = 0

    init(flushThreshold: Int, messagesPerYield: Int) {
        self.flushThreshold = max(1, flushThreshold)
        self.messagesPerYield = max(1, messagesPerYield)
    }

    /// A MESSAGE was appended; returns whether to flush the outbox now.
    mutating func messageAppended(pendingBytes: Int) -> Bool {
        sinceYield += 1
        return pendingBytes >= flushThreshold
    }

    /// After any flush: what the producer does next.
    mutating func pace(flushed: Bool, channelWritable: Bool) -> Pace {
        if !channelWritable {
            sinceYield = 0
            return .waitUntilWritable
        }
        if flushed || sinceYield >= messagesPerYield {
            sinceYield = 0
            return .yield
        }
        return .proceed
    }
}
