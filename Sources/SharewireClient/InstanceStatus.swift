internal import SharewireMessages

/// One endpoint's answer to ``SharewireClient/instances(timeout:)``: how a
/// `sharewired` instance of a cluster is doing, or why it could not be asked.
public struct InstanceStatus: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The endpoint asked.
    public var endpoint: Endpoint
    /// Its serving status; `nil` when it could not be reached (see ``error``).
    public var status: ServingStatus?
    /// The revision it answers reads and Checks at; `nil` when unreachable.
    public var revision: Revision?
    /// Milliseconds since its change feed last caught up with the shared
    /// store (PostgreSQL, docs/SERVER.md §11); `nil` for an instance without
    /// a feed (SQLite) or when unreachable.
    public var feedStalenessMilliseconds: UInt64?
    /// Why it could not be asked (e.g. UNAVAILABLE `cannot connect to …:
    /// connection refused`); `nil` when it answered.
    public var error: SharewireError?

    /// An instance's status as given.
    public init(
        endpoint: Endpoint, status: ServingStatus?, revision: Revision?, feedStalenessMilliseconds: UInt64?,
        error: SharewireError?
    ) {
        self.endpoint = endpoint
        self.status = status
        self.revision = revision
        self.feedStalenessMilliseconds = feedStalenessMilliseconds
        self.error = error
    }

    init(endpoint: Endpoint, response: HealthCheckResponse) {
        self.init(
            endpoint: endpoint, status: ServingStatus(response.status), revision: Revision(response.revision),
            feedStalenessMilliseconds: response.feedStalenessMs, error: nil)
    }

    init(endpoint: Endpoint, error: SharewireError) {
        self.init(endpoint: endpoint, status: nil, revision: nil, feedStalenessMilliseconds: nil, error: error)
    }

    /// True when it answered SERVING.
    public var isServing: Bool { status == .serving }

    /// `127.0.0.1:7070 SERVING r42 feed 3 ms`, or `127.0.0.1:7071 unreachable: …`.
    public var description: String {
        guard let status else {
            return "\(endpoint) unreachable: \(error.map { "\($0.code): \($0.message)" } ?? "no answer")"
        }
        var text = "\(endpoint) \(status)"
        if let revision { text += " \(revision)" }
        if let feedStalenessMilliseconds { text += " feed \(feedStalenessMilliseconds) ms" }
        return text
    }
}

extension ServingStatus {
    init(_ status: HealthCheckResponse.ServingStatus) {
        self =
            switch status {
            case .serving: .serving
            case .notServing: .notServing
            case .serviceUnknown: .serviceUnknown
            default: .unknown
            }
    }
}
