import SharewireMessages
import SharewireRPC

/// The size and shape of the data the tool seeds before a run.
///
/// Owners are each other's contacts: owner `i`'s contacts are owners
/// `i+1 … i+C` (mod owners), so every contact has an account and can be
/// shared with. Contacts are split in four bands by their index `k`:
///
/// | band | seeded access | used by |
/// |---|---|---|
/// | `k < C/4` | ALL on every device | check |
/// | `C/4 ≤ k < C/2` | PORTS on port 22 (each device's first service) | check, share (flips the port) |
/// | `k ≥ C/2` | none | bulk-share groups of `shareContacts` |
///
/// Everything but account keys and ids (assigned by the server) follows
/// from the shape and `seed`, so two runs with the same flags load the same way.
public struct PopulationShape: Sendable, Hashable, Codable {
    public var owners: Int = 100
    public var devicesPerOwner: Int = 10
    public var servicesPerDevice: Int = 2
    public var contactsPerOwner: Int = 20
    /// bulk-share: devices and contacts per call.
    public var shareDevices: Int = 10
    public var shareContacts: Int = 10
    /// bulk-share: the access granted ("all", "ports" = port 22 on every device, "scripts" = scripts-only PORTS).
    public var shareAccess: BulkAccess = .all
    public var shareScripting: Bool = true
    public var seed: UInt64 = 1

    public init() {}

    /// Checks the shape is consistent, with a message naming the flag at fault.
    public func validate(for mix: OperationMix) throws(LoadError) {
        guard (1...100_000).contains(owners) else { throw LoadError("--owners must be in 1...100000") }
        guard (1...10_000).contains(devicesPerOwner) else {
            throw LoadError("--devices-per-owner must be in 1...10000")
        }
        guard (1...64).contains(servicesPerDevice) else { throw LoadError("--services-per-device must be in 1...64") }
        guard contactsPerOwner >= 0, contactsPerOwner < max(owners, 1) || contactsPerOwner == 0 else {
            throw LoadError("--contacts-per-owner must be less than --owners (contacts are other owners)")
        }
        let ops = Set(mix.operations)
        if ops.contains(.check) || ops.contains(.share) || ops.contains(.transfer) {
            guard contactsPerOwner >= 4 else {
                throw LoadError(
                    "check, share and transfer need --contacts-per-owner of at least 4 (and --owners of at least 5)")
            }
        }
        if ops.contains(.bulkShare) {
            guard shareDevices >= 1, shareDevices <= devicesPerOwner else {
                throw LoadError("--share-devices must be in 1...--devices-per-owner (\(devicesPerOwner))")
            }
            guard shareContacts >= 1, bulkGroupsPerOwner >= 1 else {
                throw LoadError(
                    "bulk-share needs --contacts-per-owner of at least 2 × --share-contacts "
                        + "(the upper half of each owner's contacts is kept unshared for it)")
            }
            if shareAccess == .scripts && !shareScripting {
                throw LoadError(
                    "--share-access scripts grants scripting only and cannot be combined with --no-share-scripting")
            }
        }
    }

    /// Contacts with ALL access seeded (band 1).
    var allBand: Range<Int> { 0..<(contactsPerOwner / 4) }
    /// Contacts with PORTS access to the first service seeded (band 2).
    var portsBand: Range<Int> { (contactsPerOwner / 4)..<(contactsPerOwner / 2) }
    /// Contacts left unshared for bulk-share groups.
    var freeBand: Range<Int> { (contactsPerOwner / 2)..<contactsPerOwner }
    /// Bulk-share groups (disjoint contact windows) per owner.
    var bulkGroupsPerOwner: Int { shareContacts > 0 ? freeBand.count / shareContacts : 0 }

    /// Owner index of owner `owner`'s `k`-th contact.
    func contact(_ owner: Int, _ k: Int) -> Int { (owner + 1 + k) % owners }

    /// Owner index of the owner whose transfer partner (its contact 0) is
    /// `owner`: the transfer scenario moves that owner's device here and back,
    /// and a transfer goes only to a contact. `nil` with a single owner.
    func transferGiver(_ owner: Int) -> Int? {
        owners > 1 ? (owner - 1 + owners) % owners : nil
    }
}

/// What bulk-share grants.
public enum BulkAccess: String, Sendable, Hashable, Codable, CaseIterable {
    /// ALL: every service, including ones added later.
    case all
    /// PORTS by port number: port 22 (the first service of every seeded
    /// device), resolved on each device of the call.
    case ports
    /// PORTS naming nothing, with scripting: scripts only.
    case scripts

    func access(scripting: Bool) -> Access {
        switch self {
        case .all: Access(mode: .all, scripting: scripting)
        case .ports: Access(mode: .ports, scripting: scripting, ports: [Population.port(service: 0)])
        case .scripts: Access(mode: .ports, scripting: true)
        }
    }
}

/// One seeded account.
public struct SeededAccount: Sendable {
    public var id: String
    public var email: String
    public var key: String
    public var metadata: Metadata { [MetadataEntry(key: "authorization", value: "Bearer \(key)")] }
}

/// One seeded device.
public struct SeededDevice: Sendable {
    public var id: String
    public var serviceIDs: [String]
    public var ports: [UInt32]
}

/// One seeded owner: its account, devices and, when transfers are loaded,
/// a device that only transfers use.
public struct SeededOwner: Sendable {
    public var account: SeededAccount
    public var devices: [SeededDevice]
    public var transferDevice: SeededDevice?
}

/// Everything seeded: what the operations need to build their requests.
public struct Population: Sendable {
    public var shape: PopulationShape
    /// A per-run tag inside every email, so runs against one server never collide.
    public var namespace: String
    public var owners: [SeededOwner]
    /// Churn contacts created at seeding, per worker: `2 × churnLag` each.
    public var churnLag: Int

    /// The service port of service `s` on a seeded device.
    static func port(service s: Int) -> UInt32 { s == 0 ? 22 : UInt32(8000 + s) }

    /// The email of owner `i`.
    static func ownerEmail(_ i: Int, namespace: String) -> String { "lo-\(namespace)-\(i)@example.com" }

    /// The email of churn contact `index` (≥ 0) of worker `worker`.
    func churnEmail(worker: Int, index: Int) -> String { "churn-\(namespace)-w\(worker)-\(index)@example.net" }

    /// The owners a worker writes for: `i % workers == worker`, so two workers
    /// never write the same objects. Empty when there are more workers than owners.
    func owners(ofWorker worker: Int, workers: Int) -> [Int] {
        Array(stride(from: worker, to: owners.count, by: max(workers, 1)))
    }
}
