import Foundation
import GRDB
import SharingDomain

extension SharingStore {
    /// Reads every row into a ``SharingState`` (start-up, and after a failed commit).
    public func loadState(limits: Limits) async throws -> SharingState {
        try await pool.read { db in try Self.load(db, limits: limits) }
    }

    static func load(_ db: Database, limits: Limits) throws -> SharingState {
        var meta: [String: Int64] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT key, value FROM meta") { meta[row["key"]] = row["value"] }
        var counters = IDCounters()
        for (key, path) in MetaKey.counters { counters[keyPath: path] = UInt64(bitPattern: meta[key] ?? 0) }
        let revision = UInt64(bitPattern: meta[MetaKey.revision] ?? 0)

        var accounts: [Account] = []
        for row in try Row.fetchAll(db, sql: "SELECT * FROM accounts ORDER BY id") {
            let hashData: Data = row["api_key_hash"]
            guard let hash = APIKeyHash(bytes: Array(hashData)) else {
                throw StoredValueError(description: "bad api key hash for account \(row["id"] as Int64)")
            }
            accounts.append(Account(id: AccountID(sql: row["id"]), email: Email(trusted: row["email"]),
                                    language: try row.language("language"), apiKeyHash: hash,
                                    createdAt: Timestamp(sql: row["created_at"])))
        }

        var contacts: [Contact] = []
        for row in try Row.fetchAll(db, sql: "SELECT * FROM contacts ORDER BY id") {
            contacts.append(Contact(
                id: ContactID(sql: row["id"]), owner: AccountID(sql: row["owner_id"]), email: Email(trusted: row["email"]),
                firstName: row["first_name"], lastName: row["last_name"], company: row["company"],
                language: try row.language("language"),
                invitedAt: (row["invited_at"] as Int64?).map(Timestamp.init(sql:)),
                createdAt: Timestamp(sql: row["created_at"]), updatedAt: Timestamp(sql: row["updated_at"])))
        }

        var services: [Int64: [Service]] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT * FROM services ORDER BY id") {
            let port: Int64 = row["port"]
            guard let p = UInt16(exactly: port) else { throw StoredValueError(description: "bad port \(port)") }
            services[row["device_id"], default: []].append(
                Service(id: ServiceID(sql: row["id"]), name: row["name"], port: p, protocol: row["protocol"]))
        }
        var devices: [Device] = []
        for row in try Row.fetchAll(db, sql: "SELECT * FROM devices ORDER BY id") {
            let id: Int64 = row["id"]
            devices.append(Device(id: DeviceID(sql: id), owner: AccountID(sql: row["owner_id"]), name: row["name"],
                                  services: services[id] ?? [], createdAt: Timestamp(sql: row["created_at"]),
                                  updatedAt: Timestamp(sql: row["updated_at"])))
        }

        var ports: [ShareKey: Set<ServiceID>] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT device_id, account_id, service_id FROM share_ports") {
            let key = ShareKey(device: DeviceID(sql: row["device_id"]), user: AccountID(sql: row["account_id"]))
            ports[key, default: []].insert(ServiceID(sql: row["service_id"]))
        }
        var shares: [Share] = []
        for row in try Row.fetchAll(db, sql: "SELECT * FROM shares") {
            let key = ShareKey(device: DeviceID(sql: row["device_id"]), user: AccountID(sql: row["account_id"]))
            let modeText: String = row["mode"]
            guard let mode = ShareMode(rawValue: modeText) else { throw StoredValueError(description: "bad mode \(modeText)") }
            let access = ShareAccess(mode: mode, services: ports[key] ?? [], scripting: row["scripting"])
            shares.append(Share(device: key.device, user: key.user, access: access,
                                createdAt: Timestamp(sql: row["created_at"]), updatedAt: Timestamp(sql: row["updated_at"])))
        }

        do {
            return try SharingState.restore(limits: limits, revision: revision, counters: counters, accounts: accounts,
                                            contacts: contacts, devices: devices, shares: shares)
        } catch {
            throw StoredValueError(description: error.description)
        }
    }
}
