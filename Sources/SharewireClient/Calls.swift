internal import SharewireMessages
internal import SharewireRPC

/// A method of the protocol and whether repeating it is harmless.
struct Method: Sendable {
    let descriptor: MethodDescriptor
    /// Reads, checks and acks: retried on any UNAVAILABLE (RetryPolicy).
    let idempotent: Bool

    init(_ id: MethodID) {
        descriptor = MethodDescriptor(id)
        idempotent = id.idempotency.allowsRetry
    }
}

/// Every method the client calls. Idempotency comes from the schema
/// (`idempotency_level` in services.proto): writes have none, even those
/// whose repetition happens to be harmless (RemoveShares), so that the rule is
/// simple: a write is sent twice only if the server provably never processed
/// the first.
enum Methods {
    static let createAccount = Method(.accountCreateAccount)
    static let whoami = Method(.accountWhoami)
    static let createContact = Method(.contactCreate)
    static let updateContact = Method(.contactUpdate)
    static let deleteContact = Method(.contactDelete)
    static let listContacts = Method(.contactList)
    static let inviteContact = Method(.contactInvite)
    static let registerDevice = Method(.deviceRegister)
    static let renameDevice = Method(.deviceRename)
    static let addService = Method(.deviceAddService)
    static let removeService = Method(.deviceRemoveService)
    static let getDevice = Method(.deviceGet)
    static let listDevices = Method(.deviceList)
    static let share = Method(.sharingShare)
    static let updateShare = Method(.sharingUpdateShare)
    static let removeShares = Method(.sharingRemoveShares)
    static let commonSharees = Method(.sharingCommonSharees)
    static let leave = Method(.sharingLeave)
    static let listDeviceShares = Method(.sharingListDeviceShares)
    static let transfer = Method(.sharingTransfer)
    static let check = Method(.checkCheck)
    static let checkScripting = Method(.checkCheckScripting)
    static let checkBatch = Method(.checkCheckBatch)
    static let listEvents = Method(.eventListEvents)
    static let watchNotifications = Method(.notificationWatchNotifications)
    static let ackNotifications = Method(.notificationAckNotifications)
    static let health = Method(.healthCheck)
}

/// A response that carries the revision it was written or read at.
protocol CarriesRevision {
    var revision: UInt64 { get }
}

extension CreateAccountResponse: CarriesRevision {}
extension WhoamiResponse: CarriesRevision {}
extension CreateContactResponse: CarriesRevision {}
extension UpdateContactResponse: CarriesRevision {}
extension DeleteContactResponse: CarriesRevision {}
extension ListContactsResponse: CarriesRevision {}
extension InviteContactResponse: CarriesRevision {}
extension RegisterDeviceResponse: CarriesRevision {}
extension RenameDeviceResponse: CarriesRevision {}
extension AddServiceResponse: CarriesRevision {}
extension RemoveServiceResponse: CarriesRevision {}
extension GetDeviceResponse: CarriesRevision {}
extension ListDevicesResponse: CarriesRevision {}
extension ShareResponse: CarriesRevision {}
extension UpdateShareResponse: CarriesRevision {}
extension RemoveSharesResponse: CarriesRevision {}
extension CommonShareesResponse: CarriesRevision {}
extension LeaveResponse: CarriesRevision {}
extension ListDeviceSharesResponse: CarriesRevision {}
extension TransferResponse: CarriesRevision {}
extension CheckPortResponse: CarriesRevision {}
extension CheckScriptingResponse: CarriesRevision {}
extension CheckBatchResponse: CarriesRevision {}
extension ListEventsResponse: CarriesRevision {}

extension SharewireClient {
    /// The `min_revision` a read sends under `options`.
    func minRevision(_ options: CallOptions) -> UInt64 {
        switch options.consistency ?? configuration.consistency {
        case .readYourWrites: tracker.current
        case .minimizeLatency: 0
        case let .atLeast(revision): revision.rawValue
        }
    }

    /// A unary call whose response carries a revision, which the client then tracks.
    func call<Request: ProtoMessage, Response: ProtoMessage & CarriesRevision>(
        _ method: Method, _ request: Request, options: CallOptions, as _: Response.Type = Response.self
    ) async throws(SharewireError) -> Response {
        let response: Response = try await untracked(method, request, options: options)
        tracker.observe(response.revision)
        return response
    }

    /// A unary call with deadline, retries and budget.
    func untracked<Request: ProtoMessage, Response: ProtoMessage>(
        _ method: Method, _ request: Request, options: CallOptions, as _: Response.Type = Response.self
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
                        throw RPCError(.deadlineExceeded, "deadline exceeded before the call was sent",
                                       notProcessed: true)
                    }
                }
                let response: Response = try await transport.unary(method.descriptor, request, metadata: metadata,
                                                                   timeout: remaining)
                retryBudget?.recordSuccess()
                return response
            } catch {
                failure = SharewireError(error, attempts: attempt)
            }
            try await backOff(after: failure, attempt: attempt, idempotent: method.idempotent, policy: policy,
                              deadline: deadline, clock: clock, rng: &rng)
        }
    }

    /// Returns after the backoff when attempt `attempt`, which failed with
    /// `error`, may be retried; throws `error` otherwise.
    func backOff(after error: SharewireError, attempt: Int, idempotent: Bool, policy: RetryPolicy,
                 deadline: ContinuousClock.Instant?, clock: ContinuousClock,
                 rng: inout SystemRandomNumberGenerator) async throws(SharewireError) {
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
