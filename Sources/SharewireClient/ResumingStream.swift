internal import SharewireMessages
internal import SharewireRPC

/// The reconnecting core of the client's watch streams (notifications,
/// access changes): it opens the call, reads its messages, and after a broken
/// connection backs off and opens it again (retry policy and budget apply),
/// at most `maxAttempts` failures in a row. Each stream keeps its own resume
/// cursor and builds the request from it on every (re)open.
struct ResumingStream<Response: Sendable> {
    let client: SharewireClient
    let options: CallOptions
    /// Whether the method may be repeated (its idempotency).
    let idempotent: Bool
    private var stream: ServerStream<Response>.AsyncIterator?
    private var failures = 0
    private(set) var finished = false
    private let deadline: ContinuousClock.Instant?
    private var rng = SystemRandomNumberGenerator()

    init(client: SharewireClient, options: CallOptions, idempotent: Bool) {
        self.client = client
        self.options = options
        self.idempotent = idempotent
        self.deadline = options.timeout.map { ContinuousClock.now + $0 }
    }

    /// The next message; nil once the server ended the stream.
    /// - Parameter open: starts the call with the time left before the
    ///   deadline (nil: none), resuming from the stream's current cursor.
    mutating func next(
        _ open: (CallOptions) async throws(SharewireError) -> ServerStream<Response>
    ) async throws(SharewireError) -> Response? {
        let policy = options.retry ?? client.configuration.retry
        // Bounded: each round delivers, ends, or counts a failure (at most maxAttempts in a row).
        while true {
            if finished { return nil }
            if Task.isCancelled {
                finished = true
                throw SharewireError.cancelledLocally
            }
            do throws(SharewireError) {
                if stream == nil { stream = try await open(CallOptions(timeout: try remaining())).makeAsyncIterator() }
                guard let message = try await receive() else {
                    finished = true
                    stream = nil
                    if Task.isCancelled { throw SharewireError.cancelledLocally }
                    return nil
                }
                failures = 0
                client.retryBudget?.recordSuccess()
                return message
            } catch {
                stream = nil
                failures += 1
                var failed = error
                failed.attempts = failures
                do {
                    try await client.backOff(
                        after: failed, attempt: failures, idempotent: idempotent, policy: policy,
                        deadline: deadline, clock: ContinuousClock(), rng: &rng)
                } catch {
                    finished = true
                    throw error
                }
            }
        }
    }

    private func remaining() throws(SharewireError) -> Duration? {
        guard let deadline else { return nil }
        let left = deadline - ContinuousClock.now
        if left <= .zero { throw SharewireError(code: .deadlineExceeded, message: "deadline exceeded") }
        return left
    }

    private mutating func receive() async throws(SharewireError) -> Response? {
        do {
            return try await stream!.next()
        } catch let error as RPCError {
            throw SharewireError(error)
        } catch {
            throw SharewireError(code: .unknown, message: "\(error)")
        }
    }
}
