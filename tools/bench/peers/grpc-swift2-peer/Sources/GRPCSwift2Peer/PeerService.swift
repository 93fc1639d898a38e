import GRPCCore
import SharingDomain

/// `sharewire.v1.Diagnostics/Echo` and `sharewire.v1.CheckService/Check`,
/// registered the way grpc-swift-protobuf's generated code registers a unary
/// method (a streaming handler wrapping `ServerRequest(stream:)` and
/// `StreamingServerResponse(single:)`).
struct PeerService: RegistrableRPCService {
    static let echo = MethodDescriptor(fullyQualifiedService: "sharewire.v1.Diagnostics", method: "Echo")
    static let check = MethodDescriptor(fullyQualifiedService: "sharewire.v1.CheckService", method: "Check")

    let checker: PeerCheck

    func registerMethods<Transport: ServerTransport>(with router: inout RPCRouter<Transport>) {
        router.registerHandler(
            forMethod: Self.echo, deserializer: EchoRequestDeserializer(),
            serializer: EchoResponseSerializer()
        ) { request, context in
            let single = try await ServerRequest(stream: request)
            return StreamingServerResponse(
                single: ServerResponse(message: EchoResponse(payload: single.message.payload)))
        }
        let checker = self.checker
        router.registerHandler(
            forMethod: Self.check, deserializer: CheckPortRequestDeserializer(),
            serializer: CheckPortResponseSerializer()
        ) { request, context in
            let single = try await ServerRequest(stream: request)
            let response = try await checker.check(single.message, metadata: single.metadata)
            return StreamingServerResponse(single: ServerResponse(message: response))
        }
    }
}

/// The same work as Sharewire's `CheckService/Check` (Sources/SharewireServer/
/// CheckService.swift) for an account's own key: the latest snapshot if it has
/// `min_revision`, the bearer key from metadata through Sharewire's own
/// ``AuthCache`` (the same source file), the act-as refusal, the id parsing and
/// the owner rule of `subject`, the port range, and `snapshot.check`: two trie
/// lookups in Sharewire's own `SharingState`. Not done: the service-key branch
/// (the benchmark never sends the service key) and Sharewire's structured
/// error details (only the success path is measured).
struct PeerCheck: Sendable {
    let snapshots: SharingSnapshots
    let cache: AuthCache

    func check(_ request: CheckPortRequest, metadata: Metadata) async throws -> CheckPortResponse {
        let latest = snapshots.latest()
        let snapshot =
            latest.revision >= request.minRevision
            ? latest
            : try await snapshots.snapshot(atLeast: request.minRevision, timeout: .seconds(5))
        // Authenticator.principal: the bearer key, then the cache, then act-as.
        guard let value = metadata[stringValues: "authorization"].first(where: { _ in true }) else {
            throw RPCError(code: .unauthenticated, message: "missing credentials: send authorization: Bearer <api-key>")
        }
        let prefix = "Bearer "
        guard value.hasPrefix(prefix), value.count > prefix.count else {
            throw RPCError(code: .unauthenticated, message: "malformed authorization: expected Bearer <api-key>")
        }
        let key = value.dropFirst(prefix.count)
        guard let caller = cache.authenticate(key, in: snapshot) else {
            throw RPCError(code: .unauthenticated, message: "unknown API key")
        }
        if metadata[stringValues: "x-sharewire-act-as"].first(where: { _ in true }) != nil {
            throw RPCError(code: .permissionDenied, message: "only the service key may act for another account")
        }
        // CheckService.subject
        guard let device = DeviceID(external: request.deviceID) else {
            throw RPCError(code: .invalidArgument, message: "deviceId: not a valid dev_… id")
        }
        let user: AccountID
        if request.userID.isEmpty {
            user = caller
        } else if let parsed = AccountID(external: request.userID) {
            user = parsed
        } else {
            throw RPCError(code: .invalidArgument, message: "userId: not a valid acc_… id")
        }
        if caller != user {
            guard let view = try? snapshot.state.device(caller, device), case .owner = view.role else {
                throw RPCError(
                    code: .permissionDenied,
                    message: "an account may check only its own access, or access to devices it owns")
            }
        }
        // Parse.port
        guard request.port >= 1, request.port <= 65535 else {
            throw RPCError(code: .invalidArgument, message: "port must be 1-65535")
        }
        return CheckPortResponse(
            allowed: snapshot.check(user: user, device: device, port: UInt16(request.port)),
            revision: snapshot.revision)
    }
}

/// Seeds the state the way sharewire-bench's CheckSetup seeds Sharewire: an
/// owner, a recipient in the owner's contacts, a device with ssh:22 and
/// web:80, and a PORTS share of ssh to the recipient.
enum CheckSeed {
    struct Seeded {
        let snapshots: SharingSnapshots
        let friendKey: String
        let friend: AccountID
        let device: DeviceID
    }

    static func make() throws -> Seeded {
        var state = SharingState()
        let now = Timestamp.now()
        func account(_ email: String, key: String) throws -> AccountID {
            let applied = try state.apply(
                .createAccount(email: email, language: .en, apiKeyHash: APIKey.hash(key)),
                actor: nil, at: now)
            state = applied.state
            guard case let .account(a) = applied.outcome else {
                fatalError("createAccount returned \(applied.outcome)")
            }
            return a.id
        }
        let owner = try account("owner@example.com", key: APIKey.generate())
        let friendKey = APIKey.generate()
        let friend = try account("friend0@example.com", key: friendKey)
        state = try state.apply(
            .createContact(email: "friend0@example.com", fields: ContactFields()), actor: owner, at: now
        ).state
        let registered = try state.apply(
            .registerDevice(
                name: "bench-0",
                services: [
                    ServiceSpec(name: "ssh", port: 22, protocol: "ssh"),
                    ServiceSpec(name: "web", port: 80, protocol: "http"),
                ]), actor: owner, at: now)
        state = registered.state
        guard case let .device(device) = registered.outcome else {
            fatalError("registerDevice returned \(registered.outcome)")
        }
        state = try state.apply(
            .share(
                devices: [device.id], emails: ["friend0@example.com"],
                access: .ports([device.services[0].id]), notify: false),
            actor: owner, at: now
        ).state
        guard state.check(user: friend, device: device.id, port: 22) else {
            fatalError("seeded share does not allow port 22")
        }
        return Seeded(snapshots: SharingSnapshots(state), friendKey: friendKey, friend: friend, device: device.id)
    }
}
