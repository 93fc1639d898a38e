import NIOCore

/// The keepalive rule both sides follow (docs/PROTOCOL.md §11): PING after
/// `interval` without reading a byte, close if no PONG arrives within
/// `timeout`. A pure value checked at each tick of its owner's timer.
struct Keepalive: Sendable {
    enum Step: Equatable, Sendable {
        case none
        /// Send a keepalive PING now.
        case sendPing
        /// The PING went unanswered: close without a further frame.
        case timedOut
    }

    var interval: TimeAmount
    let timeout: TimeAmount
    private(set) var lastReadAt: NIODeadline
    /// When the outstanding keepalive PING went out; nil when none is.
    private(set) var pingSentAt: NIODeadline?

    init(interval: TimeAmount, timeout: TimeAmount, now: NIODeadline) {
        self.interval = interval
        self.timeout = timeout
        self.lastReadAt = now
    }

    /// Any bytes read count as activity.
    mutating func bytesRead(at now: NIODeadline) {
        lastReadAt = now
    }

    /// Any PONG clears the outstanding PING.
    mutating func pongReceived() {
        pingSentAt = nil
    }

    mutating func tick(at now: NIODeadline) -> Step {
        if let sent = pingSentAt {
            return now - sent >= timeout ? .timedOut : .none
        }
        guard now - lastReadAt >= interval else { return .none }
        pingSentAt = now
        return .sendPing
    }
}
