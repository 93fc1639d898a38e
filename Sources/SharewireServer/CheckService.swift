import SharewireMessages
import SharewireRPC
import SharingDomain

/// `sharewire.v1.CheckService`: the hot read path.
///
/// A check that finds `min_revision` already reached is answered on the
/// connection's event loop with no task: it authenticates against the latest
/// snapshot, parses the ids without allocating, asks the snapshot (two trie
/// lookups on integer keys) and answers, all within the connection's read.
///
/// Who may ask what (object-level authorization):
/// - the service key without act-as: any user's access (a connection broker);
/// - an account (own key, or the service key acting for it): its own access
///   (`user_id` empty or its own id), or anyone's access to a device it owns.
///   Anything else is `PERMISSION_DENIED` (`CHECK_NOT_ALLOWED`) whether or
///   not the device exists, so the answer reveals nothing about other
///   accounts' devices.
struct CheckService: Sharewire_V1.CheckService.Handler {
    let env: ServiceEnvironment

    /// What authenticates each call: a Check's principal against the first
    /// snapshot that includes its `min_revision`. Stored, not built per call
    /// as the other services' is: this is the hot path.
    let authentication: ServiceAuthentication

    init(env: ServiceEnvironment) {
        self.env = env
        self.authentication = env.authentication
    }

    // The pipeline authenticates each check against a snapshot that includes
    // the request's `min_revision`, which the check then answers from: on the
    // event loop with no task when that snapshot is already visible (the
    // common case), otherwise in a task once it is.

    func immediateCheck(
        request: CheckPortRequest, caller: AuthenticatedRead, context: ServerContext
    ) throws -> CheckPortResponse? {
        try Self.answer(request, caller, env)
    }

    func check(
        request: CheckPortRequest, caller: AuthenticatedRead, context: ServerContext
    ) async throws -> CheckPortResponse {
        try Self.answer(request, caller, env)
    }

    func immediateCheckScripting(
        request: CheckScriptingRequest, caller: AuthenticatedRead, context: ServerContext
    ) throws -> CheckScriptingResponse? {
        try Self.answer(request, caller, env)
    }

    func checkScripting(
        request: CheckScriptingRequest, caller: AuthenticatedRead, context: ServerContext
    ) async throws -> CheckScriptingResponse {
        try Self.answer(request, caller, env)
    }

    func immediateCheckBatch(
        request: CheckBatchRequest, caller: AuthenticatedRead, context: ServerContext
    ) throws -> CheckBatchResponse? {
        try Self.answer(request, caller, env)
    }

    func checkBatch(
        request: CheckBatchRequest, caller: AuthenticatedRead, context: ServerContext
    ) async throws -> CheckBatchResponse {
        try Self.answer(request, caller, env)
    }

    private static func answer(
        _ request: CheckPortRequest, _ caller: AuthenticatedRead, _ env: ServiceEnvironment
    ) throws -> CheckPortResponse {
        let (principal, snapshot) = (caller.principal, caller.snapshot)
        let (user, device) = try subject(
            request.userID, request.deviceID, principal, snapshot, env,
            fields: (.deviceId, .userId))
        let port = try env.domain { () throws(SharingError) in try Parse.port(request.port, field: .port) }
        return CheckPortResponse(
            allowed: snapshot.check(user: user, device: device, port: port),
            revision: snapshot.revision)
    }

    private static func answer(
        _ request: CheckScriptingRequest, _ caller: AuthenticatedRead, _ env: ServiceEnvironment
    ) throws -> CheckScriptingResponse {
        let (principal, snapshot) = (caller.principal, caller.snapshot)
        let (user, device) = try subject(
            request.userID, request.deviceID, principal, snapshot, env,
            fields: (.deviceId, .userId))
        return CheckScriptingResponse(
            allowed: snapshot.checkScripting(user: user, device: device),
            revision: snapshot.revision)
    }

    private static func answer(
        _ request: CheckBatchRequest, _ caller: AuthenticatedRead, _ env: ServiceEnvironment
    ) throws -> CheckBatchResponse {
        let snapshot = caller.snapshot
        // Refuse an oversized batch before parsing any of it.
        if request.checks.count > env.limits.maxChecksPerBatch {
            throw env.errors.status(
                for: SharingError(
                    .limitExceeded, subject: String(request.checks.count), field: .checks, limit: .checksPerBatch,
                    message: "at most \(env.limits.maxChecksPerBatch) checks per batch"))
        }
        let principal = caller.principal
        var questions: [CheckRequest] = []
        questions.reserveCapacity(request.checks.count)
        for item in request.checks {
            let (user, device) = try subject(
                item.userID, item.deviceID, principal, snapshot, env,
                fields: (.checksDeviceId, .checksUserId))
            let port = try item.port.map { p throws(RPCError) in
                try env.domain { () throws(SharingError) in try Parse.port(p, field: .checksPort) }
            }
            questions.append(CheckRequest(user: user, device: device, port: port))
        }
        let answers = try env.domain { () throws(SharingError) in try snapshot.checkBatch(questions) }
        return CheckBatchResponse(allowed: answers, revision: snapshot.revision)
    }

    /// The request fields a check's device and user are in (top level, or `checks.`).
    private typealias SubjectFields = (device: SharingError.Field, user: SharingError.Field)

    /// The (user, device) a check asks about, if the principal may ask it.
    /// Parsing an id walks its bytes and allocates nothing.
    private static func subject(
        _ userText: String, _ deviceText: String, _ principal: Authenticator.Principal,
        _ snapshot: SharingSnapshots.Snapshot, _ env: ServiceEnvironment,
        fields: SubjectFields
    ) throws(RPCError) -> (AccountID, DeviceID) {
        guard let device = DeviceID(external: deviceText) else {
            throw env.errors.status(
                for: SharingError(
                    .invalidID, subject: String(deviceText.prefix(Limits.maxIDLength)),
                    field: fields.device, message: "not a valid dev_… id"))
        }
        let user: AccountID
        if userText.isEmpty, case let .account(caller) = principal {
            user = caller.account
        } else if let parsed = AccountID(external: userText) {
            user = parsed
        } else {
            throw env.errors.status(
                for: SharingError(
                    .invalidID, subject: String(userText.prefix(Limits.maxIDLength)),
                    field: fields.user, message: "not a valid acc_… id"))
        }
        guard case let .account(caller) = principal, caller.account != user else { return (user, device) }
        // Asking about someone else: only the device's owner may.
        if snapshot.state.owns(caller.account, device) { return (user, device) }
        throw RPCError(
            .permissionDenied, "an account may check only its own access, or access to devices it owns",
            details: [
                StatusDetail(
                    reason: "CHECK_NOT_ALLOWED", subject: device.external,
                    field: fields.user.wireName)
            ])
    }
}
