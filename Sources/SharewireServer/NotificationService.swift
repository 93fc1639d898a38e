import SharewireMessages
import SharewireRPC
import SharingDomain
import Synchronization

/// `sharewire.v1.NotificationService`: the outbox, for the notification
/// sender (service key only).
///
/// Each request names a consumer (empty = `default`); every consumer has its
/// own stored cursor. WatchNotifications streams every stored notification
/// after `max(after_sequence, the consumer's cursor)`, then follows new ones:
/// after each commit that queued notifications the writer's ``CommitBell``
/// wakes the stream, which reads the new rows from the store.
/// AckNotifications moves that consumer's cursor forward. A sender that
/// crashes before acking sees the same notifications again: delivery is at
/// least once.
struct NotificationService: Sharewire_V1.NotificationService.Handler {
    let env: ServiceEnvironment
    let stopping: ShutdownSignal

    var authentication: ServiceAuthentication { env.authentication }

    func watchNotifications(
        request: WatchNotificationsRequest,
        response writer: ServerStreamWriter<WatchNotificationsResponse>,
        context: ServerContext
    ) async throws {
        let consumer = try Self.consumer(request.consumer, env)
        if request.minRevision > 0 { _ = try await env.read(atLeast: request.minRevision, context) }
        let acknowledged = try await env.storage("reading the outbox cursor") {
            try await env.log.acknowledgedNotificationSequence(consumer: consumer)
        }
        var cursor = max(request.afterSequence, acknowledged)
        let batchSize = max(1, env.configuration.notificationBatchSize)
        // Ends by CANCEL, deadline or connection loss (the task is then
        // cancelled) or when the server shuts down (the stream ends OK;
        // the sender calls again with its last sequence).
        while !Task.isCancelled, !stopping.isStopping {
            // Read the generation before the store: a commit in between
            // bumps it, so the wait below returns at once.
            let seen = env.bell.generation
            let batch = try await env.storage("reading the outbox") {
                try await env.log.notifications(after: cursor, limit: batchSize)
            }
            if let last = batch.last {
                try await writer.send(WatchNotificationsResponse(notifications: batch.map(NotificationEntry.init)))
                cursor = last.sequence
            }
            if batch.count < batchSize {
                await env.bell.wait(past: seen, timeout: env.configuration.notificationPollInterval)
            }
        }
    }

    func ackNotifications(request: AckNotificationsRequest, context: ServerContext) async throws
        -> AckNotificationsResponse
    {
        let consumer = try Self.consumer(request.consumer, env)
        let through = request.throughSequence
        if through > 0 {
            // Acking past the newest notification would skip ones not yet
            // written: refuse it.
            let existing = try await env.storage("reading the outbox") {
                try await env.log.notifications(after: through - 1, limit: 1)
            }
            guard !existing.isEmpty else {
                throw RPCError(
                    .outOfRange, "no notification with sequence \(through) exists yet",
                    details: [
                        StatusDetail(
                            reason: "SEQUENCE_NOT_REACHED", subject: String(through),
                            field: "through_sequence")
                    ])
            }
            do {
                try await env.log.acknowledgeNotifications(through: through, consumer: consumer)
            } catch {
                env.logger.error("acknowledging notifications failed", metadata: ["error": "\(error)"])
                throw RPCError(.internal, "acknowledging failed in storage; the cursor may not have moved")
            }
        }
        let cursor = try await env.storage("reading the outbox cursor") {
            try await env.log.acknowledgedNotificationSequence(consumer: consumer)
        }
        return AckNotificationsResponse(acknowledgedSequence: cursor)
    }

    /// The request's consumer name; INVALID_ARGUMENT (field `consumer`) when
    /// it is not 1–64 of `[A-Za-z0-9._-]`.
    static func consumer(_ name: String, _ env: ServiceEnvironment) throws -> NotificationConsumer {
        guard let consumer = NotificationConsumer(name) else {
            throw env.errors.status(
                for: SharingError(
                    .invalidArgument, subject: String(name.prefix(NotificationConsumer.maxLength)), field: .consumer,
                    message: "a consumer name is 1-64 of the letters A-Z a-z, digits and . _ -"))
        }
        return consumer
    }
}

/// Set once the server begins to shut down; long-lived streams end then
/// instead of holding the drain open until its grace period.
final class ShutdownSignal: Sendable {
    private let flag = Atomic<Bool>(false)
    var isStopping: Bool { flag.load(ordering: .acquiring) }
    func stop() { flag.store(true, ordering: .releasing) }
}
