import NIOCore

/// The clock of one HTTP connection of the operations endpoint. Pure: the
/// handler feeds it events and the time, and closes the connection when it
/// says a deadline passed.
///
/// - Waiting for a request (after accept or after a response) a connection
///   may stay silent for `idleTimeout`.
/// - Once the first byte of a request has arrived, the whole request must
///   arrive within `requestTimeout`: a client dribbling its header or body
///   (half-sent requests) loses its slot then, however often bytes come.
struct HTTPConnectionTimeouts: Sendable {
    enum Phase: Sendable, Equatable {
        /// No request under way.
        case idle
        /// Bytes of a request arrived; its response has not been written.
        case receiving
    }

    let idleTimeout: TimeAmount
    let requestTimeout: TimeAmount
    private(set) var phase = Phase.idle
    private(set) var since: NIODeadline

    init(idleTimeout: TimeAmount, requestTimeout: TimeAmount, now: NIODeadline) {
        self.idleTimeout = idleTimeout
        self.requestTimeout = requestTimeout
        self.since = now
    }

    /// When the current phase runs out.
    var deadline: NIODeadline { since + (phase == .idle ? idleTimeout : requestTimeout) }

    /// Request bytes arrived. Returns true when the deadline changed.
    mutating func bytesReceived(at now: NIODeadline) -> Bool {
        guard phase == .idle else { return false }
        phase = .receiving
        since = now
        return true
    }

    /// A response went out: the connection waits for the next request.
    /// Returns true when the deadline changed.
    mutating func responseSent(at now: NIODeadline) -> Bool {
        guard phase == .receiving else { return false }
        phase = .idle
        since = now
        return true
    }

    /// The phase whose deadline has passed at `now`, if any.
    func expired(at now: NIODeadline) -> Phase? {
        now >= deadline ? phase : nil
    }
}
