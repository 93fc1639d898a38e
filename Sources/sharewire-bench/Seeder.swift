import Foundation
import SharewireLoad
import SharewireMessages
import SharewireRPC
import SharewireServer
import Synchronization

/// One call of the measured method. `worker` is the calling task's index
/// (0..<concurrency), so a method can give each caller its own data.
typealias BenchCall = @Sendable (_ client: RPCClient, _ worker: Int) async throws -> Void

/// Seeds a benchmark server through the public RPCs: accounts (with the
/// service key), and an owner's contacts and devices. Shared by every
/// method that needs data (check, share, bulk-share).
struct Seeder: Sendable {
    let client: RPCClient
    let serviceKey: String
    /// A per-run tag, so emails never collide.
    let tag = String(UUID().uuidString.prefix(8)).lowercased()

    /// Opens a seeding client, runs `body`, closes the client.
    static func with<T>(
        port: Int, tls: ClientTLS? = nil, serviceKey: String,
        _ body: (Seeder) async throws -> T
    ) async throws -> T {
        var config = ClientConfiguration(host: "127.0.0.1", port: port)
        config.tls = tls
        config.defaultTimeout = .seconds(30)
        let client = RPCClient(configuration: config)
        defer { client.close() }
        return try await body(Seeder(client: client, serviceKey: serviceKey))
    }

    static func auth(_ key: String) -> [MetadataEntry] { [MetadataEntry(key: "authorization", value: "Bearer \(key)")] }

    /// A new account; its email is `<name>-<tag>@example.com`.
    func account(_ name: String) async throws -> (info: CreateAccountResponse, email: String) {
        let email = "\(name)-\(tag)@example.com"
        let response: CreateAccountResponse = try await client.unary(
            Sharewire_V1.AccountService.Method.CreateAccount.descriptor, CreateAccountRequest(email: email),
            metadata: Self.auth(serviceKey))
        return (response, email)
    }

    /// `count` recipient accounts, each added as a contact of `ownerKey`
    /// (so the owner may share with them). Returns their emails in order.
    func recipients(_ prefix: String, count: Int, ownerKey: String) async throws -> [(
        info: CreateAccountResponse, email: String
    )] {
        try await boundedParallelMap(0..<count, width: 16) { i in
            let recipient = try await account("\(prefix)\(i)")
            _ =
                try await client.unary(
                    Sharewire_V1.ContactService.Method.Create.descriptor, CreateContactRequest(email: recipient.email),
                    metadata: Self.auth(ownerKey)) as CreateContactResponse
            return recipient
        }
    }

    /// An owner, one recipient (its contact) and one device of the owner with
    /// the services ssh (22) and web (80): the Check benchmarks' data.
    func ownerFriendDevice(_ prefix: String) async throws
        -> (ownerKey: String, friend: (info: CreateAccountResponse, email: String), device: DeviceInfo)
    {
        let owner = try await account("\(prefix)owner")
        let friend = try await recipients("\(prefix)friend", count: 1, ownerKey: owner.info.apiKey)[0]
        let device = try await devices(
            count: 1, ownerKey: owner.info.apiKey,
            services: [
                NewService(name: "ssh", port: 22, protocol: "ssh"),
                NewService(name: "web", port: 80, protocol: "http"),
            ])[0]
        return (owner.info.apiKey, friend, device)
    }

    /// `count` devices of `ownerKey`, each with `services` (fresh service ids per device).
    func devices(count: Int, ownerKey: String, services: [NewService]) async throws -> [DeviceInfo] {
        try await boundedParallelMap(0..<count, width: 16) { i in
            let response: RegisterDeviceResponse = try await client.unary(
                Sharewire_V1.DeviceService.Method.Register.descriptor,
                RegisterDeviceRequest(name: "bench-\(i)", services: services),
                metadata: Self.auth(ownerKey))
            return response.device
        }
    }
}

/// One counter per worker slot, kept across cells so a method's sequence
/// of writes continues where the previous cell stopped.
final class WorkerCounters: Sendable {
    private let counters: Mutex<[UInt64]>

    init(slots: Int) { counters = Mutex([UInt64](repeating: 0, count: max(slots, 1))) }

    /// The slot's next value (0, 1, 2, ...).
    func next(_ slot: Int) -> UInt64 {
        counters.withLock { values in
            let value = values[slot % values.count]
            values[slot % values.count] = value &+ 1
            return value
        }
    }
}
