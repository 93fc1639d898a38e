import Foundation
import SharewireMessages
import SharewireRPC

/// Creates a `Population` through the public RPCs: accounts with the service
/// key, then each owner's contacts, devices and seeded shares with its own key.
/// At most `width` calls are in flight; every call has a deadline.
public struct Seeder: Sendable {
    public let client: RPCClient
    public let serviceKey: String
    public var width = 64

    public init(client: RPCClient, serviceKey: String) {
        self.client = client
        self.serviceKey = serviceKey
    }

    /// Seeds `shape` for `mix`, for `workers` workers. `progress` gets a line now and then;
    /// seeding stops with an error soon after `shouldStop` turns true (Ctrl-C).
    public func seed(
        _ shape: PopulationShape, mix: OperationMix, workers: Int, namespace: String,
        progress: @Sendable (String) -> Void = { _ in },
        shouldStop: @escaping @Sendable () -> Bool = { false }
    ) async throws -> Population {
        let ops = Set(mix.operations)
        let churnLag = 128
        guard ops.subtracting([.echo]).count > 0 else {
            return Population(shape: shape, namespace: namespace, owners: [], churnLag: churnLag)
        }
        let service = [MetadataEntry(key: "authorization", value: "Bearer \(serviceKey)")]
        let started = Date()
        // 1. Accounts.
        let accounts: [SeededAccount] = try await boundedParallelMap(0..<shape.owners, width: width) { i in
            if shouldStop() { throw LoadError("interrupted while seeding") }
            let email = Population.ownerEmail(i, namespace: namespace)
            let response: CreateAccountResponse = try await client.unary(
                Sharewire_V1.AccountService.Method.CreateAccount.descriptor, CreateAccountRequest(email: email),
                metadata: service)
            return SeededAccount(id: response.account.id, email: email, key: response.apiKey)
        }
        progress("seeded \(accounts.count) accounts")
        // 2. Per owner: contacts, devices (+ a transfer device), seeded shares.
        let services = (0..<shape.servicesPerDevice).map {
            NewService(name: "svc\($0)", port: Population.port(service: $0), protocol: $0 == 0 ? "ssh" : "tcp")
        }
        let wantsTransfer = ops.contains(.transfer)
        let owners: [SeededOwner] = try await boundedParallelMap(0..<shape.owners, width: width) { i in
            if shouldStop() { throw LoadError("interrupted while seeding") }
            let auth = accounts[i].metadata
            var contactIndexes = (0..<shape.contactsPerOwner).map { shape.contact(i, $0) }
            // A transfer goes to a contact: the partner that gives its transfer
            // device to this owner gets it back, so it must be this owner's contact too.
            if wantsTransfer, let back = shape.transferGiver(i), !contactIndexes.contains(back) {
                contactIndexes.append(back)
            }
            for c in contactIndexes {
                let _: CreateContactResponse = try await client.unary(
                    Sharewire_V1.ContactService.Method.Create.descriptor,
                    CreateContactRequest(email: accounts[c].email), metadata: auth)
            }
            var devices: [SeededDevice] = []
            for d in 0..<(shape.devicesPerOwner + (wantsTransfer ? 1 : 0)) {
                let response: RegisterDeviceResponse = try await client.unary(
                    Sharewire_V1.DeviceService.Method.Register.descriptor,
                    RegisterDeviceRequest(name: "load-\(i)-\(d)", services: services), metadata: auth)
                devices.append(
                    SeededDevice(
                        id: response.device.id, serviceIDs: response.device.services.map(\.id),
                        ports: response.device.services.map(\.port)))
            }
            let transferDevice = wantsTransfer ? devices.removeLast() : nil
            // ALL for band 1, PORTS on port 22 for band 2: each a bulk share across the
            // devices, in chunks under the bulk limit.
            for (band, access) in [
                (shape.allBand, Access(mode: .all)),
                (shape.portsBand, Access(mode: .ports, ports: [Population.port(service: 0)])),
            ] {
                let emails = band.map { accounts[shape.contact(i, $0)].email }
                guard !emails.isEmpty else { continue }
                let perCall = max(1, 10_000 / emails.count)
                for chunk in stride(from: 0, to: devices.count, by: perCall) {
                    let ids = devices[chunk..<min(devices.count, chunk + perCall)].map(\.id)
                    let _: ShareResponse = try await client.unary(
                        Sharewire_V1.SharingService.Method.Share.descriptor,
                        ShareRequest(deviceIDs: ids, emails: emails, access: access), metadata: auth)
                }
            }
            return SeededOwner(account: accounts[i], devices: devices, transferDevice: transferDevice)
        }
        var population = Population(shape: shape, namespace: namespace, owners: owners, churnLag: churnLag)
        progress(
            "seeded \(owners.count) owners × \(shape.devicesPerOwner) devices × \(shape.contactsPerOwner) contacts")
        // 3. Churn: 2 × lag contacts per worker, so invites and deletes always find one.
        if ops.contains(.churn) {
            let pop = population
            let jobs = (0..<workers).flatMap { w in (0..<(2 * churnLag)).map { (w, $0) } }
            _ = try await boundedParallelMap(0..<jobs.count, width: width) { j in
                let (w, index) = jobs[j]
                let mine = pop.owners(ofWorker: w, workers: workers)
                guard !mine.isEmpty else { return 0 }
                let owner = pop.owners[mine[index % mine.count]]
                let _: CreateContactResponse = try await client.unary(
                    Sharewire_V1.ContactService.Method.Create.descriptor,
                    CreateContactRequest(email: pop.churnEmail(worker: w, index: index)),
                    metadata: owner.account.metadata)
                return 0
            }
            population.churnLag = churnLag
        }
        progress(String(format: "seeding took %.1f s", Date().timeIntervalSince(started)))
        return population
    }
}
