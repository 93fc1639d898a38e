import SharewireMessages
import Synchronization

/// `sharewire.v1.Health`, after grpc.health.v1: per-service serving status,
/// with Watch streaming every change.
public final class HealthService: Sharewire_V1.Health.Handler {
    public typealias Status = HealthCheckResponse.ServingStatus

    private struct State {
        var statuses: [String: Status] = ["": .serving]
        var watchers: [Int: (service: String, continuation: AsyncStream<Status>.Continuation)] = [:]
        var nextWatcher = 0
        /// `finishWatches()` ran: a Watch started later sends the current
        /// status and ends at once.
        var watchesFinished = false
    }

    private let state = Mutex(State())
    /// What Check adds to the status (revision, feed staleness); nil adds nothing.
    private let details: (@Sendable () -> Details)?

    /// What an application adds to every Check answer (docs/PROTOCOL.md §17.3).
    public struct Details: Sendable, Hashable {
        /// The revision the instance answers reads from.
        public var revision: UInt64
        /// Since the change feed last caught up; nil without a feed.
        public var feedStaleness: Duration?

        public init(revision: UInt64, feedStaleness: Duration? = nil) {
            self.revision = revision
            self.feedStaleness = feedStaleness
        }
    }

    /// - Parameter details: called on every Check (keep it cheap: no I/O).
    public init(details: (@Sendable () -> Details)? = nil) {
        self.details = details
    }

    /// Sets the status of `service` ("" is the whole server) and tells watchers.
    public func setStatus(_ status: Status, for service: String = "") {
        let watchers = state.withLock { state in
            state.statuses[service] = status
            return state.watchers.values.filter { $0.service == service }.map(\.continuation)
        }
        for watcher in watchers { watcher.yield(status) }
    }

    /// Marks every known service NOT_SERVING, as a drain begins.
    public func markAllNotServing() {
        let services = state.withLock { Array($0.statuses.keys) }
        for service in services { setStatus(.notServing, for: service) }
    }

    /// Ends every Watch stream (with OK), so a draining server is not held
    /// open by watchers until its grace period runs out.
    public func finishWatches() {
        let watchers = state.withLock { state in
            defer { state.watchers.removeAll() }
            state.watchesFinished = true
            return state.watchers.values.map(\.continuation)
        }
        for watcher in watchers { watcher.finish() }
    }

    public func status(for service: String) -> Status? {
        state.withLock { $0.statuses[service] }
    }

    public func check(request: HealthCheckRequest, context: ServerContext) async throws -> HealthCheckResponse {
        guard let status = status(for: request.service) else {
            throw RPCError(
                .notFound, "unknown service \(request.service)",
                details: [StatusDetail(reason: "UNKNOWN_SERVICE", subject: request.service)])
        }
        var response = HealthCheckResponse(status: status)
        if let details = details?() {
            response.revision = details.revision
            response.feedStalenessMs = details.feedStaleness.map { duration in
                let (seconds, attoseconds) = duration.components
                return UInt64(clamping: max(0, seconds)) &* 1000
                    &+ UInt64(clamping: max(0, attoseconds / 1_000_000_000_000_000))
            }
        }
        return response
    }

    public func watch(
        request: HealthCheckRequest, response writer: ServerStreamWriter<HealthCheckResponse>,
        context: ServerContext
    ) async throws {
        let (updates, continuation) = AsyncStream.makeStream(of: Status.self, bufferingPolicy: .bufferingNewest(1))
        let id = state.withLock { state in
            defer { state.nextWatcher += 1 }
            continuation.yield(state.statuses[request.service] ?? .serviceUnknown)
            if state.watchesFinished {
                continuation.finish()
            } else {
                state.watchers[state.nextWatcher] = (request.service, continuation)
            }
            return state.nextWatcher
        }
        defer { _ = state.withLock { $0.watchers.removeValue(forKey: id) } }
        try await withTaskCancellationHandler {
            for await status in updates {
                try await writer.send(HealthCheckResponse(status: status))
            }
        } onCancel: {
            continuation.finish()
        }
    }
}
