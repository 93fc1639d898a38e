import Histogram
import NIOPosix
import SharewireMessages
import SharewireRPC

/// `--feed-lag-port P` (with `--target-port A`): the change-feed lag of a
/// cluster (docs/SERVER.md §11). One at a time: a durable Share update on
/// instance A returns revision R; at once a Check on instance B (port P)
/// with `min_revision` R, which B answers only once its feed has applied R.
/// The Check's latency is the lag from A's acknowledgement to B's snapshot
/// plus one Check round trip; the same Check with `min_revision` 0 right
/// after is that round trip alone, printed beside it. Run a write load on A
/// meanwhile (e.g. `sharewire-load --model open --rate 1000`) for the lag
/// under load.
struct FeedLag {
    let writePort: Int
    let readPort: Int
    let serviceKey: String
    let duration: Duration
    let group: MultiThreadedEventLoopGroup

    func run() async throws -> [String] {
        let seeded = try await Seeder.with(port: writePort, serviceKey: serviceKey) {
            try await $0.ownerFriendDevice("lag-")
        }
        let writer = client(writePort), reader = client(readPort)
        try await writer.connect()
        try await reader.connect()
        defer {
            writer.close()
            reader.close()
        }
        let ownerAuth = Seeder.auth(seeded.ownerKey), friendAuth = Seeder.auth(seeded.friend.info.apiKey)
        let services = seeded.device.services.map(\.id)
        // Flips the share between the two services: every call a new revision.
        var turn = 0
        func write() async throws -> UInt64 {
            turn += 1
            let response: ShareResponse = try await writer.unary(
                Sharewire_V1.SharingService.Method.Share.descriptor,
                ShareRequest(
                    deviceIDs: [seeded.device.id], emails: [seeded.friend.email],
                    access: Access(mode: .ports, serviceIDs: [services[turn % 2]])), metadata: ownerAuth)
            guard response.created + response.updated == 1 else {
                throw BenchError("the lag probe's share changed nothing")
            }
            return response.revision
        }
        func check(_ minRevision: UInt64) async throws {
            let _: CheckPortResponse = try await reader.unary(
                Sharewire_V1.CheckService.Method.Check.descriptor,
                CheckPortRequest(
                    userID: seeded.friend.info.account.id, deviceID: seeded.device.id, port: 22,
                    minRevision: minRevision),
                metadata: friendAuth)
        }
        // B accepts the friend's key once it has applied the seeding.
        try await check(try await write())

        let clock = ContinuousClock()
        let start = clock.now
        var lag = WorkerResult(), alone = WorkerResult()
        while clock.now - start < duration {
            do {
                let revision = try await write()
                let acknowledged = clock.now
                try await check(revision)
                lag.histogram.record(UInt64((clock.now - acknowledged).nanosecondsClamped))
                let sent = clock.now
                try await check(0)
                alone.histogram.record(UInt64((clock.now - sent).nanosecondsClamped))
            } catch {
                lag.errors += 1
            }
        }
        func row(_ name: String, _ r: WorkerResult) -> String {
            let h = r.histogram
            func ms(_ p: Double) -> String { String(format: "%.2f", Double(h.valueAtPercentile(p)) / 1e6) }
            return
                "| \(name) | \(h.totalCount) | \(ms(50)) | \(ms(90)) | \(ms(99)) | \(String(format: "%.2f", Double(h.max) / 1e6)) | \(r.errors) |"
        }
        return [
            "| feed lag, A (port \(writePort)) → B (port \(readPort)) | probes | p50 ms | p90 ms | p99 ms | max ms | errors |",
            "|---|---:|---:|---:|---:|---:|---:|",
            row("Check on B with min_revision = the revision A acknowledged", lag),
            row("the same Check with min_revision 0 (its round trip alone)", alone),
        ]
    }

    private func client(_ port: Int) -> RPCClient {
        var config = ClientConfiguration(host: "127.0.0.1", port: port)
        config.defaultTimeout = .seconds(30)
        config.keepaliveInterval = nil
        return RPCClient(configuration: config, group: group)
    }
}
