import SharingDomain

/// Rebuilds a ``SharingState`` from the stored rows: run each of
/// ``Table/allCases`` in order, feed its rows to ``add(_:from:)``, then call
/// ``state(limits:)``.
public struct StateLoader {
    /// The reads of a full load, in the order they must be fed (services
    /// before devices, share ports before shares).
    public enum Table: CaseIterable, Sendable {
        case meta, accounts, apiKeys, contacts, services, devices, sharePorts, shares

        public var sql: String {
            switch self {
            case .meta: "SELECT key, value FROM meta"
            case .accounts: "SELECT id, email, language, created_at FROM accounts ORDER BY id"
            case .apiKeys: "SELECT id, account_id, name, key_hash, created_at FROM api_keys ORDER BY id"
            case .contacts:
                """
                SELECT id, owner_id, email, first_name, last_name, company, language, invited_at, created_at, updated_at
                FROM contacts ORDER BY id
                """
            case .services: "SELECT id, device_id, name, port, protocol FROM services ORDER BY id"
            case .devices: "SELECT id, owner_id, name, created_at, updated_at FROM devices ORDER BY id"
            case .sharePorts: "SELECT device_id, account_id, service_id FROM share_ports"
            case .shares:
                "SELECT device_id, account_id, mode, scripting, created_at, updated_at, expires_at, accept_by FROM shares"
            }
        }
    }

    private var meta: [String: Int64] = [:]
    private var accounts: [Account] = []
    private var apiKeys: [APIKeyRecord] = []
    private var contacts: [Contact] = []
    private var services: [DeviceID: [Service]] = [:]
    private var devices: [Device] = []
    private var ports: [ShareKey: Set<ServiceID>] = [:]
    private var shares: [Share] = []

    public init() {}

    public mutating func add(_ row: some SQLRow, from table: Table) throws {
        switch table {
        case .meta:
            meta[try row.text(0)] = try row.int(1)
        case .accounts:
            accounts.append(
                Account(
                    id: try row.id(0), email: Email(trusted: try row.text(1)), language: try row.language(2),
                    createdAt: try row.timestamp(3)))
        case .apiKeys:
            let id: APIKeyID = try row.id(0)
            guard let hash = APIKeyHash(bytes: try row.bytes(3)) else {
                throw StoredValueError(description: "bad hash for API key \(id)")
            }
            apiKeys.append(
                APIKeyRecord(
                    id: id, account: try row.id(1), name: try row.text(2), hash: hash,
                    createdAt: try row.timestamp(4)))
        case .contacts:
            contacts.append(
                Contact(
                    id: try row.id(0), owner: try row.id(1), email: Email(trusted: try row.text(2)),
                    firstName: try row.optionalText(3), lastName: try row.optionalText(4),
                    company: try row.optionalText(5),
                    language: try row.language(6), invitedAt: try row.optionalInt(7).map(Timestamp.init(sqlInt:)),
                    createdAt: try row.timestamp(8), updatedAt: try row.timestamp(9)))
        case .services:
            let port = try row.int(3)
            guard let p = UInt16(exactly: port) else { throw StoredValueError(description: "bad port \(port)") }
            services[try row.id(1), default: []].append(
                Service(id: try row.id(0), name: try row.text(2), port: p, protocol: try row.text(4)))
        case .devices:
            let id: DeviceID = try row.id(0)
            devices.append(
                Device(
                    id: id, owner: try row.id(1), name: try row.text(2), services: services[id] ?? [],
                    createdAt: try row.timestamp(3), updatedAt: try row.timestamp(4)))
        case .sharePorts:
            ports[ShareKey(device: try row.id(0), user: try row.id(1)), default: []].insert(try row.id(2))
        case .shares:
            let key = ShareKey(device: try row.id(0), user: try row.id(1))
            let modeText = try row.text(2)
            guard let mode = ShareMode(rawValue: modeText) else {
                throw StoredValueError(description: "bad mode \(modeText)")
            }
            let access = ShareAccess(mode: mode, services: ports[key] ?? [], scripting: try row.bool(3))
            shares.append(
                Share(
                    device: key.device, user: key.user, access: access,
                    createdAt: try row.timestamp(4), updatedAt: try row.timestamp(5),
                    expiresAt: try row.optionalInt(6).map(Timestamp.init(sqlInt:)),
                    acceptBy: try row.optionalInt(7).map(Timestamp.init(sqlInt:))))
        }
    }

    /// The state the rows describe; throws ``StoredValueError`` if they break the rules.
    /// Empties the loader: its rows are freed and their pages given back (``FreedHeap``).
    public mutating func state(limits: Limits) throws -> SharingState {
        var counters = IDCounters()
        for (key, path) in MetaKey.counters { counters[keyPath: path] = UInt64(sqlInt: meta[key] ?? 0) }
        let state: SharingState
        do {
            state = try SharingState.restore(
                limits: limits, revision: UInt64(sqlInt: meta[MetaKey.revision] ?? 0),
                counters: counters, accounts: accounts, apiKeys: apiKeys, contacts: contacts,
                devices: devices, shares: shares)
        } catch {
            throw StoredValueError(description: error.description)
        }
        self = StateLoader()
        FreedHeap.release()
        return state
    }
}
