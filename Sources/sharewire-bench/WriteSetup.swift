import Foundation
import SharewireMessages
import SharewireRPC
import SharewireServer

/// `--method share`: one owner with `devices` devices (two services each)
/// and `contacts` recipients with accounts. Worker `w` shares with contact
/// `w % contacts`, walking the devices; each pass over the devices flips the
/// PORTS access between the device's two services, so every call after the
/// first pass is a real update (new revision) and the state stays at
/// `devices x min(workers, contacts)` shares. A call whose response reports
/// no change counts as an error.
enum ShareSetup {
    static func prepare(port: Int, serviceKey: String, devices: Int, contacts: Int, workers: Int) async throws
        -> BenchCall
    {
        try await Seeder.with(port: port, serviceKey: serviceKey) { seeder in
            let owner = try await seeder.account("owner")
            let recipients = try await seeder.recipients("friend", count: contacts, ownerKey: owner.info.apiKey)
            let seeded = try await seeder.devices(
                count: devices, ownerKey: owner.info.apiKey,
                services: [
                    NewService(name: "ssh", port: 22, protocol: "ssh"),
                    NewService(name: "web", port: 80, protocol: "http"),
                ])
            // (device id, [the two service ids]) and emails, precomputed.
            let targets = seeded.map { ($0.id, $0.services.map(\.id)) }
            let emails = recipients.map(\.email)
            let metadata = Seeder.auth(owner.info.apiKey)
            let counters = WorkerCounters(slots: workers)
            return { client, worker in
                let n = Int(counters.next(worker))
                let (device, services) = targets[(n + worker) % targets.count]
                let service = services[(n / targets.count) % services.count]
                let response: ShareResponse = try await client.unary(
                    Sharewire_V1.SharingService.Method.Share.descriptor,
                    ShareRequest(
                        deviceIDs: [device], emails: [emails[worker % emails.count]],
                        access: Access(mode: .ports, serviceIDs: [service])), metadata: metadata)
                if response.created + response.updated != 1 {
                    throw BenchError("share changed nothing (created \(response.created), updated \(response.updated))")
                }
            }
        }
    }
}

/// `--method bulk-share`: one owner with `devices` devices (one service
/// each) and `sets` groups of `contacts` recipients. Worker `w` uses group
/// `w % sets` and alternates Share (devices x group) with RemoveShares of the
/// same pairs, so state stays bounded. The access is ALL + scripting: PORTS
/// needs every service id on every device of the call, and service ids are
/// global, so a PORTS share of 100 devices cannot name a service (docs/DOMAIN.md).
/// A call that does not touch every pair counts as an error.
enum BulkShareSetup {
    static func prepare(port: Int, serviceKey: String, devices: Int, contacts: Int, sets: Int) async throws -> BenchCall
    {
        try await Seeder.with(port: port, serviceKey: serviceKey) { seeder in
            let owner = try await seeder.account("owner")
            let recipients = try await seeder.recipients("friend", count: contacts * sets, ownerKey: owner.info.apiKey)
            let deviceIDs = try await seeder.devices(
                count: devices, ownerKey: owner.info.apiKey,
                services: [NewService(name: "ssh", port: 22, protocol: "ssh")]
            ).map(\.id)
            let groups = (0..<sets).map { s in recipients[(s * contacts)..<((s + 1) * contacts)].map(\.email) }
            let pairs = UInt32(devices * contacts)
            let metadata = Seeder.auth(owner.info.apiKey)
            let access = Access(mode: .all, scripting: true)
            let counters = WorkerCounters(slots: sets)
            return { client, worker in
                let slot = worker % sets
                let emails = groups[slot]
                if counters.next(slot) % 2 == 0 {
                    let response: ShareResponse = try await client.unary(
                        Sharewire_V1.SharingService.Method.Share.descriptor,
                        ShareRequest(
                            deviceIDs: deviceIDs, emails: emails, access: access), metadata: metadata)
                    if response.created + response.updated != pairs {
                        throw BenchError("bulk share touched \(response.created + response.updated) of \(pairs) pairs")
                    }
                } else {
                    let response: RemoveSharesResponse = try await client.unary(
                        Sharewire_V1.SharingService.Method.RemoveShares.descriptor,
                        RemoveSharesRequest(deviceIDs: deviceIDs, emails: emails), metadata: metadata)
                    if response.removed != pairs {
                        throw BenchError("bulk remove removed \(response.removed) of \(pairs) pairs")
                    }
                }
            }
        }
    }
}
