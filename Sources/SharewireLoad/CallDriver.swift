import NIOCore
import SharewireMessages
import SharewireRPC

/// Called exactly once, on the worker's event loop, when a call ends.
public typealias CallCompletion = @Sendable (CallOutcome) -> Void

/// Starts the calls of one worker. Confined to the worker's event loop.
public protocol CallDriver: AnyObject {
    /// Starts the `sequence`-th call of this worker, an `operation`.
    func start(_ operation: OperationKind, sequence: UInt64, completion: @escaping CallCompletion)
}

/// Requests built once, before the run, from the seeded population, so the
/// hot path builds no strings: each call picks an entry by its sequence.
/// Shared read-only by every worker.
public struct RequestTables: Sendable {
    /// (request, the asking user's credentials) for Check.
    var checks: [(CheckPortRequest, Metadata)] = []
    var echoes: [EchoRequest] = []

    /// Tables for `population`; `size` entries for Check (rounded up to a power of two).
    public init(population: Population, size: Int = 65_536) {
        echoes = (0..<16).map { i in EchoRequest(payload: (0..<16).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ i) }) }
        let shape = population.shape
        guard !population.owners.isEmpty, shape.contactsPerOwner > 0 else { return }
        var rng = SplitMix64(seed: shape.seed ^ 0x636865636B)
        var count = 1
        while count < size { count <<= 1 }
        let ports = (0..<shape.servicesPerDevice).map(Population.port(service:)) + [9]  // 9: on no device
        checks.reserveCapacity(count)
        for _ in 0..<count {
            let o = Int.random(in: 0..<population.owners.count, using: &rng)
            let owner = population.owners[o]
            let device = owner.devices[Int.random(in: 0..<owner.devices.count, using: &rng)]
            // Contacts of the ALL and PORTS bands mostly, some unshared: allowed and denied answers mix.
            let k = Int.random(in: 0..<shape.contactsPerOwner, using: &rng)
            let user = population.owners[shape.contact(o, k)].account
            let port = ports[Int.random(in: 0..<ports.count, using: &rng)]
            checks.append((CheckPortRequest(userID: user.id, deviceID: device.id, port: port), user.metadata))
        }
    }
}

/// Drives real RPCs over one connection lease, with per-worker state for the
/// write operations (which objects each call touches). Event-loop confined.
final class RPCCallDriver: CallDriver {
    private(set) var lease: RPCConnectionLease
    private let tables: RequestTables
    private let population: Population
    private let timeout: Duration?
    private let worker: Int
    /// Owners this worker writes for (disjoint between workers).
    private let owners: [Int]
    private var checkCursor: Int
    private var shareCount = 0
    private var bulkCount = 0
    private var transferCount = 0
    private var churnCount = 0
    /// Per owned owner: whether its transfer device is with the partner now.
    private var transferred: [Bool]

    init(
        lease: RPCConnectionLease, tables: RequestTables, population: Population, timeout: Duration?,
        worker: Int, workers: Int
    ) {
        self.lease = lease
        self.tables = tables
        self.population = population
        self.timeout = timeout
        self.worker = worker
        self.owners = population.owners(ofWorker: worker, workers: workers)
        self.checkCursor = worker &* 104_729
        self.transferred = Array(repeating: false, count: owners.count)
    }

    /// Replaces a dead connection.
    func replace(lease: RPCConnectionLease) { self.lease = lease }

    func start(_ operation: OperationKind, sequence: UInt64, completion: @escaping CallCompletion) {
        switch operation {
        case .echo:
            let request = tables.echoes[Int(sequence & 15)]
            lease.startUnary(
                Sharewire_V1.Diagnostics.Method.Echo.descriptor, request, timeout: timeout,
                responseType: EchoResponse.self
            ) {
                completion(Self.outcome($0) { _ in nil })
            }
        case .check:
            guard !tables.checks.isEmpty else { return completion(Self.notSeeded) }
            // An odd stride over a power-of-two table visits every entry once per pass.
            checkCursor = (checkCursor &+ 40_503) & (tables.checks.count - 1)
            let (request, metadata) = tables.checks[checkCursor]
            lease.startUnary(
                Sharewire_V1.CheckService.Method.Check.descriptor, request, metadata: metadata, timeout: timeout,
                responseType: CheckPortResponse.self
            ) { completion(Self.outcome($0) { _ in nil }) }
        case .share: startShare(completion)
        case .bulkShare: startBulkShare(completion)
        case .transfer: startTransfer(completion)
        case .churn: startChurn(completion)
        }
    }

    private static let notSeeded = CallOutcome.failed(
        code: "NOT_SEEDED", message: "this worker has no seeded owners (more connections than owners?)", kind: .status)

    /// 1 device × 1 contact of the PORTS band; each pass over the pairs flips
    /// the granted service, so every call is a real update.
    private func startShare(_ completion: @escaping CallCompletion) {
        let shape = population.shape
        let band = shape.portsBand
        guard !owners.isEmpty, !band.isEmpty else { return completion(Self.notSeeded) }
        let n = shareCount
        shareCount += 1
        let pairsPerOwner = shape.devicesPerOwner * band.count
        let pairs = owners.count * pairsPerOwner
        let pair = n % pairs, pass = n / pairs
        let owner = population.owners[owners[pair / pairsPerOwner]]
        let device = owner.devices[(pair % pairsPerOwner) / band.count]
        let contact = population.owners[
            shape.contact(owners[pair / pairsPerOwner], band.lowerBound + pair % band.count)]
        // Seeded with port 22: the first pass grants the last service's port, the next 22 again, …
        let access =
            shape.servicesPerDevice > 1
            ? Access(mode: .ports, ports: [pass % 2 == 0 ? device.ports[device.ports.count - 1] : device.ports[0]])
            : Access(mode: .ports, scripting: pass % 2 == 0, ports: [device.ports[0]])
        lease.startUnary(
            Sharewire_V1.SharingService.Method.Share.descriptor,
            ShareRequest(deviceIDs: [device.id], emails: [contact.account.email], access: access),
            metadata: owner.account.metadata, timeout: timeout, responseType: ShareResponse.self
        ) {
            completion(Self.outcome($0) { $0.created + $0.updated == 1 ? nil : "share changed nothing" })
        }
    }

    /// The bulk-share groups of this worker, requests built on first use.
    private var bulkGroups: [BulkGroup?] = []

    /// One bulk-share group's two requests and its owner's credentials.
    private struct BulkGroup {
        let share: ShareRequest
        let remove: RemoveSharesRequest
        let metadata: Metadata
        let pairs: UInt32
    }

    /// Group `g`: (owner, its first N devices, a window of M unshared contacts).
    private func bulkGroup(_ group: Int) -> BulkGroup {
        if bulkGroups.isEmpty {
            bulkGroups = Array(repeating: nil, count: owners.count * population.shape.bulkGroupsPerOwner)
        }
        if let built = bulkGroups[group] { return built }
        let shape = population.shape
        let ownerIndex = owners[group / shape.bulkGroupsPerOwner]
        let owner = population.owners[ownerIndex]
        let first = shape.freeBand.lowerBound + (group % shape.bulkGroupsPerOwner) * shape.shareContacts
        let emails = (first..<(first + shape.shareContacts)).map {
            population.owners[shape.contact(ownerIndex, $0)].account.email
        }
        let devices = owner.devices[0..<shape.shareDevices].map(\.id)
        let built = BulkGroup(
            share: ShareRequest(
                deviceIDs: devices, emails: emails, access: shape.shareAccess.access(scripting: shape.shareScripting)),
            remove: RemoveSharesRequest(deviceIDs: devices, emails: emails),
            metadata: owner.account.metadata, pairs: UInt32(devices.count * emails.count))
        bulkGroups[group] = built
        return built
    }

    /// Group `g` is shared on even turns, unshared on odd ones.
    private func startBulkShare(_ completion: @escaping CallCompletion) {
        let perOwner = population.shape.bulkGroupsPerOwner
        guard !owners.isEmpty, perOwner > 0 else { return completion(Self.notSeeded) }
        let n = bulkCount
        bulkCount += 1
        let groups = owners.count * perOwner
        let group = bulkGroup(n % groups)
        let pairs = group.pairs
        if (n / groups) % 2 == 0 {
            lease.startUnary(
                Sharewire_V1.SharingService.Method.Share.descriptor, group.share, metadata: group.metadata,
                timeout: timeout,
                responseType: ShareResponse.self
            ) {
                completion(
                    Self.outcome($0) { $0.created + $0.updated == pairs ? nil : "bulk share did not touch every pair" })
            }
        } else {
            lease.startUnary(
                Sharewire_V1.SharingService.Method.RemoveShares.descriptor, group.remove, metadata: group.metadata,
                timeout: timeout,
                responseType: RemoveSharesResponse.self
            ) {
                completion(Self.outcome($0) { $0.removed == pairs ? nil : "bulk unshare did not remove every pair" })
            }
        }
    }

    /// The owner's transfer device goes to its first contact and back.
    private func startTransfer(_ completion: @escaping CallCompletion) {
        guard !owners.isEmpty else { return completion(Self.notSeeded) }
        let slot = transferCount % owners.count
        transferCount += 1
        let ownerIndex = owners[slot]
        let owner = population.owners[ownerIndex]
        let partner = population.owners[population.shape.contact(ownerIndex, 0)]
        guard let device = owner.transferDevice else { return completion(Self.notSeeded) }
        let (from, to) = transferred[slot] ? (partner, owner) : (owner, partner)
        transferred[slot].toggle()
        lease.startUnary(
            Sharewire_V1.SharingService.Method.Transfer.descriptor,
            TransferRequest(deviceIDs: [device.id], toEmail: to.account.email),
            metadata: from.account.metadata, timeout: timeout, responseType: TransferResponse.self
        ) {
            completion(Self.outcome($0) { $0.transferred == 1 ? nil : "transfer moved nothing" })
        }
        // A failed transfer leaves the device where it was; the toggle stays (the
        // next turn then fails too, which shows in the errors rather than hiding).
    }

    /// Cycle i: create contact i, invite contact i − lag, delete contact i − 2·lag
    /// (the first 2·lag were created at seeding, so every call finds its contact).
    private func startChurn(_ completion: @escaping CallCompletion) {
        guard !owners.isEmpty else { return completion(Self.notSeeded) }
        let n = churnCount
        churnCount += 1
        let lag = population.churnLag
        let index = n / 3 + 2 * lag
        func target(_ i: Int) -> (String, Metadata) {
            (
                population.churnEmail(worker: worker, index: i),
                population.owners[owners[i % owners.count]].account.metadata
            )
        }
        switch n % 3 {
        case 0:
            let (email, auth) = target(index)
            lease.startUnary(
                Sharewire_V1.ContactService.Method.Create.descriptor, CreateContactRequest(email: email),
                metadata: auth, timeout: timeout,
                responseType: CreateContactResponse.self
            ) { completion(Self.outcome($0) { _ in nil }) }
        case 1:
            let (email, auth) = target(index - lag)
            lease.startUnary(
                Sharewire_V1.ContactService.Method.Invite.descriptor, InviteContactRequest(email: email),
                metadata: auth, timeout: timeout,
                responseType: InviteContactResponse.self
            ) { completion(Self.outcome($0) { _ in nil }) }
        default:
            let (email, auth) = target(index - 2 * lag)
            lease.startUnary(
                Sharewire_V1.ContactService.Method.Delete.descriptor, DeleteContactRequest(email: email),
                metadata: auth, timeout: timeout,
                responseType: DeleteContactResponse.self
            ) { completion(Self.outcome($0) { _ in nil }) }
        }
    }

    /// Maps a call's result; `check` returns a message when an OK response is not what was expected.
    static func outcome<Response>(_ result: Result<Response, RPCError>, check: (Response) -> String?) -> CallOutcome {
        switch result {
        case let .success(response):
            if let problem = check(response) { return .unexpected(problem) }
            return .ok
        case let .failure(error):
            let kind: FailureKind =
                error.code == .deadlineExceeded
                ? .timeout
                : (error.code == .unavailable && (error.notProcessed || error.message.hasPrefix("connection"))
                    ? .connection : .status)
            return .failed(code: "\(error.code)", message: error.message, kind: kind)
        }
    }
}
