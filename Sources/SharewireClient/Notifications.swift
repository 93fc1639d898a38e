internal import SharewireMessages
internal import SharewireRPC

extension SharewireClient {
    /// Follows the notification outbox: every stored notification after
    /// `sequence` (or after `consumer`'s acknowledged cursor, whichever is
    /// later), then new ones as they are committed, in sequence order.
    ///
    /// Service key only (without act-as). Nothing is sent until iteration
    /// starts. Delivery is at least once: dedupe on
    /// ``OutboxNotification/sequence`` and ack what was handled with
    /// ``ackNotifications(through:consumer:options:)`` with the same consumer.
    ///
    /// ```swift
    /// for try await notification in client.watchNotifications(consumer: "mailer") {
    ///     try await send(notification)
    ///     try await client.ackNotifications(through: notification.sequence, consumer: "mailer")
    /// }
    /// ```
    ///
    /// When the connection breaks, the stream reconnects by itself and
    /// resumes after the last sequence it delivered (retry policy and budget
    /// apply). It ends (returns nil) when the server ends it, e.g. on
    /// shutdown, or at the deadline of `options.timeout` (then it throws
    /// DEADLINE_EXCEEDED); call again with the last sequence to resume.
    /// Cancelling the iterating task, or leaving the loop, cancels the call
    /// on the server.
    /// - Parameters:
    ///   - sequence: the last sequence already seen; 0 to start after the
    ///     consumer's acknowledged cursor.
    ///   - consumer: whose cursor applies (1–64 of `[A-Za-z0-9._-]`); empty
    ///     is the server's `default` consumer. An invalid name fails the
    ///     first `next()` with INVALID_ARGUMENT.
    public func watchNotifications(
        from sequence: UInt64 = 0, consumer: String = "",
        options: CallOptions = .default
    ) -> NotificationStream {
        NotificationStream(client: self, after: sequence, consumer: consumer, options: options)
    }

    /// Records that `consumer` handled every notification through
    /// `sequence`; its stored cursor never moves back, and other consumers'
    /// cursors are untouched. Service key only.
    /// - Parameter consumer: as for ``watchNotifications(from:consumer:options:)``.
    /// - Returns: the consumer's acknowledged cursor after the call (≥ `sequence`).
    /// - Throws: OUT_OF_RANGE `SEQUENCE_NOT_REACHED` for a sequence not written
    ///   yet; INVALID_ARGUMENT for an invalid consumer name.
    @discardableResult
    public func ackNotifications(
        through sequence: UInt64, consumer: String = "",
        options: CallOptions = .default
    ) async throws(SharewireError) -> UInt64 {
        try await stubs.notifications.ackNotifications(
            AckNotificationsRequest(throughSequence: sequence, consumer: consumer), options: options
        ).acknowledgedSequence
    }
}

/// The method a ``NotificationStream`` calls.
private typealias Watch = Sharewire_V1.NotificationService.Method.WatchNotifications

/// The notifications of ``SharewireClient/watchNotifications(from:consumer:options:)``.
///
/// Iterate it once; iteration throws ``SharewireError``.
public struct NotificationStream: AsyncSequence, Sendable {
    /// One notification (batches from the server are flattened).
    public typealias Element = OutboxNotification
    let client: SharewireClient
    let after: UInt64
    let consumer: String
    let options: CallOptions

    /// Starts the call on the first `next()`.
    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(client: client, lastSequence: after, consumer: consumer, options: options)
    }

    /// Reads the stream, reconnecting after a broken connection.
    public struct AsyncIterator: AsyncIteratorProtocol {
        let client: SharewireClient
        /// The last sequence delivered: where a reconnect resumes.
        var lastSequence: UInt64
        let consumer: String
        var buffer: [OutboxNotification] = []
        var index = 0
        var core: ResumingStream<WatchNotificationsResponse>

        init(client: SharewireClient, lastSequence: UInt64, consumer: String, options: CallOptions) {
            self.client = client
            self.lastSequence = lastSequence
            self.consumer = consumer
            self.core = ResumingStream(
                client: client, options: options,
                idempotent: Watch.descriptor.idempotency.allowsRetry)
        }

        /// The next notification; nil when the server ended the stream.
        public mutating func next() async throws(SharewireError) -> OutboxNotification? {
            while true {
                if index < buffer.count {
                    defer { index += 1 }
                    lastSequence = buffer[index].sequence
                    return buffer[index]
                }
                let request = WatchNotificationsRequest(
                    afterSequence: lastSequence,
                    minRevision: client.minRevision(core.options), consumer: consumer)
                let stubs = client.stubs
                guard
                    let batch = try await core.next({ options throws(SharewireError) in
                        try await stubs.notifications.watchNotifications(request, options: options)
                    })
                else { return nil }
                buffer = batch.notifications.filter { $0.sequence > lastSequence }.map(OutboxNotification.init)
                index = 0
            }
        }
    }
}
