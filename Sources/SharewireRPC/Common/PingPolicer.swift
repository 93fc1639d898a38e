import NIOCore

/// Server-side keepalive policing, after gRPC's ping strikes.
///
/// A PING that arrives sooner than `minInterval` after the previous one is a
/// strike. Sending a response resets the strikes, since a busy connection
/// legitimately pings. More than `maxStrikes` strikes means the client is
/// abusive: the server sends GOAWAY (RESOURCE_EXHAUSTED) and closes.
public struct PingPolicer: Sendable {
    public enum Verdict: Sendable, Hashable { case allow, strike, abusive }

    public let minInterval: TimeAmount
    public let maxStrikes: Int
    public private(set) var strikes = 0
    private var lastPing: NIODeadline?

    public init(minInterval: TimeAmount, maxStrikes: Int) {
        self.minInterval = minInterval
        self.maxStrikes = maxStrikes
    }

    /// Records a PING received at `now` and judges it.
    public mutating func pingReceived(at now: NIODeadline) -> Verdict {
        defer { lastPing = now }
        guard let last = lastPing, now - last < minInterval else { return .allow }
        strikes += 1
        return strikes > maxStrikes ? .abusive : .strike
    }

    /// The server sent call data; pings are expected on a busy connection.
    public mutating func responseSent() {
        strikes = 0
    }
}
