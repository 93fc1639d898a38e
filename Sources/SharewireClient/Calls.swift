internal import SharewireMessages
internal import SharewireRPC

/// What the generated client stubs call through: the client's deadline,
/// retries (by the method's `idempotency_level` from services.proto) and
/// retry budget, and revision tracking for every response that carries one
/// (the generator marks them `CarriesRevision`).
struct Caller: MethodCaller {
    typealias Options = CallOptions
    typealias Failure = SharewireError

    let client: SharewireClient

    func unary<Method: UnaryMethod>(
        _ method: Method.Type, _ request: Method.Input, options: CallOptions
    ) async throws(SharewireError) -> Method.Output {
        let response = try await client.unary(Method.descriptor, request, options: options, as: Method.Output.self)
        // Resolved once per response type by the runtime's conformance cache.
        if let carrier = response as? any CarriesRevision { client.tracker.observe(carrier.revision) }
        return response
    }

    /// One attempt: a stream's reader reconnects by itself (NotificationStream).
    func serverStreaming<Method: ServerStreamingMethod>(
        _ method: Method.Type, _ request: Method.Input, options: CallOptions
    ) async throws(SharewireError) -> ServerStream<Method.Output> {
        do {
            return try await client.transports.transport(start: client.transports.start(), attempt: 1)
                .serverStream(
                    Method.descriptor, request, metadata: client.metadata, timeout: options.timeout,
                    responseType: Method.Output.self)
        } catch {
            throw SharewireError(error)
        }
    }
}

/// The generated client stub of every service, over this client's ``Caller``.
struct Stubs {
    let accounts: Sharewire_V1.AccountService.Client<Caller>
    let contacts: Sharewire_V1.ContactService.Client<Caller>
    let devices: Sharewire_V1.DeviceService.Client<Caller>
    let sharing: Sharewire_V1.SharingService.Client<Caller>
    let checks: Sharewire_V1.CheckService.Client<Caller>
    let events: Sharewire_V1.EventService.Client<Caller>
    let notifications: Sharewire_V1.NotificationService.Client<Caller>
    let health: Sharewire_V1.Health.Client<Caller>

    init(_ caller: Caller) {
        accounts = .init(caller: caller)
        contacts = .init(caller: caller)
        devices = .init(caller: caller)
        sharing = .init(caller: caller)
        checks = .init(caller: caller)
        events = .init(caller: caller)
        notifications = .init(caller: caller)
        health = .init(caller: caller)
    }
}

extension SharewireClient {
    /// The `min_revision` a read sends under `options`.
    func minRevision(_ options: CallOptions) -> UInt64 {
        switch options.consistency ?? configuration.consistency {
        case .readYourWrites: tracker.current
        case .minimizeLatency: 0
        case let .atLeast(revision): revision.rawValue
        }
    }

    /// The typed calls of every service (generated stubs).
    var stubs: Stubs { Stubs(Caller(client: self)) }

    /// A unary call with deadline, retries and budget.
    func unary<Request: ProtoMessage, Response: ProtoMessage>(
        _ method: MethodDescriptor, _ request: Request, options: CallOptions, as _: Response.Type = Response.self
    ) async throws(SharewireError) -> Response {
        let policy = options.retry ?? configuration.retry
        let clock = ContinuousClock()
        let deadline = (options.timeout ?? configuration.defaultTimeout).map { clock.now + $0 }
        let start = transports.start()
        var rng = SystemRandomNumberGenerator()
        var attempt = 0
        while true {  // bounded: at most policy.maxAttempts rounds
            attempt += 1
            let transport = transports.transport(start: start, attempt: attempt)
            let failure: SharewireError
            do throws(RPCError) {
                var remaining: Duration?
                if let deadline {
                    // Connect first (bounded by connectTimeout), so the time
                    // it takes comes out of this call's deadline.
                    _ = try await transport.eventLoopForNextCall()
                    remaining = deadline - clock.now
                    if remaining! <= .zero {
                        throw RPCError(
                            .deadlineExceeded, "deadline exceeded before the call was sent",
                            notProcessed: true)
                    }
                }
                let response: Response = try await transport.unary(
                    method, request, metadata: metadata,
                    timeout: remaining)
                retryBudget?.recordSuccess()
                return response
            } catch {
                failure = SharewireError(error, attempts: attempt)
            }
            try await backOff(
                after: failure, attempt: attempt, idempotent: method.idempotency.allowsRetry,
                policy: policy,
                deadline: deadline, clock: clock, rng: &rng)
        }
    }

    /// Returns after the backoff when attempt `attempt`, which failed with
    /// `error`, may be retried; throws `error` otherwise.
    func backOff(
        after error: SharewireError, attempt: Int, idempotent: Bool, policy: RetryPolicy,
        deadline: ContinuousClock.Instant?, clock: ContinuousClock,
        rng: inout SystemRandomNumberGenerator
    ) async throws(SharewireError) {
        guard policy.isRetryable(error, idempotent: idempotent) else { throw error }
        let budgetAllows = retryBudget?.recordFailure() ?? true
        guard attempt < policy.maxAttempts, budgetAllows, !Task.isCancelled, !transports.isClosed else { throw error }
        let delay = policy.backoff(beforeRetry: attempt, using: &rng)
        if let deadline, clock.now + delay >= deadline { throw error }
        do {
            try await Task.sleep(for: delay)
        } catch {
            throw SharewireError.cancelledLocally
        }
    }
}
