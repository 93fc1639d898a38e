import Foundation
import SharingDomain

#if canImport(Glibc)
    import Glibc
#endif

/// `--snapshot-size N`: builds a state of N shares through
/// `SharingState.restore` in this process and reports the heap it holds and
/// the time restore took. The heap is glibc's own count of bytes in use
/// (`malloc_info`, every arena), so the figures are exact heap bytes, not RSS.
///
/// The rows are shaped like tools/bench/snapshot's SQLite seed: per 100
/// shares one owner with 10 devices of 3 services (ssh 22/tcp, http 80/tcp,
/// dns 53/udp) and 10 contacts who are accounts; every device shared with the
/// 10 contacts. Of every 20 shares 16 are ALL, 2 PORTS with one service, 1
/// PORTS with two, 1 scripts-only; 1 share in 10 expires.
enum SnapshotSize {
    struct Result {
        var shares: Int
        var heapBytes: Int
        var restoreSeconds: Double
        var perMap: [(String, Int)]
    }

    /// Heap bytes in use, all arenas: glibc's `malloc_info` totals (system
    /// bytes held, less the free ones, plus mmapped chunks). Looked up with
    /// `dlsym` because malloc.h is not in the Glibc module.
    static func heapInUse() -> Int {
        #if canImport(Glibc)
            typealias MallocInfo = @convention(c) (Int32, UnsafeMutablePointer<FILE>?) -> Int32
            guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "malloc_info") else { return 0 }
            let mallocInfo = unsafeBitCast(symbol, to: MallocInfo.self)
            var buffer: UnsafeMutablePointer<CChar>?
            var size = 0
            guard let stream = open_memstream(&buffer, &size) else { return 0 }
            _ = mallocInfo(0, stream)
            fclose(stream)
            guard let buffer else { return 0 }
            defer { free(buffer) }
            let xml = String(cString: buffer)
            // The whole process's totals are the last of each kind (per-arena ones come first).
            func last(_ prefix: String) -> Int {
                guard let r = xml.range(of: prefix, options: .backwards) else { return 0 }
                return Int(xml[r.upperBound...].prefix { $0.isNumber }) ?? 0
            }
            let held = last("<system type=\"current\" size=\"")
            func totalSize(_ type: String) -> Int {
                guard let r = xml.range(of: "<total type=\"\(type)\" count=\"", options: .backwards) else { return 0 }
                guard let s = xml[r.upperBound...].range(of: "size=\"") else { return 0 }
                return Int(xml[s.upperBound...].prefix { $0.isNumber }) ?? 0
            }
            return held - totalSize("fast") - totalSize("rest") + totalSize("mmap")
        #else
            return 0
        #endif
    }

    struct Rows {
        var accounts: [Account] = []
        var apiKeys: [APIKeyRecord] = []
        var contacts: [Contact] = []
        var devices: [Device] = []
        var shares: [Share] = []
        var counters = IDCounters()
    }

    /// The rows for `shares` shares (rounded down to a multiple of 100, at least 100).
    static func rows(shares: Int) -> Rows {
        let owners = max(1, shares / 100)
        var r = Rows()
        r.accounts.reserveCapacity(owners * 11)
        r.shares.reserveCapacity(owners * 100)
        let t = Timestamp(millisecondsSinceEpoch: 1_780_000_000_000)
        let expiry = Timestamp(millisecondsSinceEpoch: 4_000_000_000_000)
        for a in 1...(owners * 11) {
            let id = AccountID(raw: UInt64(a))
            r.accounts.append(
                Account(id: id, email: Email(trusted: "user\(a)@example.com"), language: .en, createdAt: t))
            var digest = [UInt8](repeating: 0, count: 32)
            withUnsafeBytes(of: UInt64(a).littleEndian) { for (i, b) in $0.enumerated() { digest[i] = b } }
            r.apiKeys.append(
                APIKeyRecord(
                    id: APIKeyID(raw: UInt64(a)), account: id, name: "default", hash: APIKeyHash(bytes: digest)!,
                    createdAt: t))
        }
        for o in 1...owners {
            let owner = AccountID(raw: UInt64(o))
            for k in 1...10 {
                let c = (o - 1) * 10 + k
                r.contacts.append(
                    Contact(
                        id: ContactID(raw: UInt64(c)), owner: owner,
                        email: Email(trusted: "user\(owners + c)@example.com"), createdAt: t, updatedAt: t))
            }
            for j in 1...10 {
                let d = (o - 1) * 10 + j
                let device = DeviceID(raw: UInt64(d))
                let s = UInt64(3 * (d - 1))
                let services = [
                    Service(id: ServiceID(raw: s + 1), name: "ssh", port: 22, protocol: "tcp"),
                    Service(id: ServiceID(raw: s + 2), name: "http", port: 80, protocol: "tcp"),
                    Service(id: ServiceID(raw: s + 3), name: "dns", port: 53, protocol: "udp"),
                ]
                r.devices.append(
                    Device(
                        id: device, owner: owner, name: "device-\(d)", services: services, createdAt: t, updatedAt: t))
                for k in 1...10 {
                    let user = AccountID(raw: UInt64(owners + (o - 1) * 10 + k))
                    let i = (d * 10 + k) % 20
                    let access: ShareAccess =
                        switch i {
                        case 0..<16: .all(scripting: i % 4 == 0)
                        case 16, 17: .ports([ServiceID(raw: s + 1)])
                        case 18: .ports([ServiceID(raw: s + 1), ServiceID(raw: s + 2)], scripting: true)
                        default: .ports([], scripting: true)
                        }
                    r.shares.append(
                        Share(
                            device: device, user: user, access: access, createdAt: t, updatedAt: t,
                            expiresAt: (d + k) % 10 == 3 ? expiry : nil))
                }
            }
        }
        r.counters.account = UInt64(owners * 11)
        r.counters.apiKey = UInt64(owners * 11)
        r.counters.contact = UInt64(owners * 10)
        r.counters.device = UInt64(owners * 10)
        r.counters.service = UInt64(owners * 30)
        return r
    }

    /// Builds the state of `shares` shares, then measures it and, with
    /// `perMap`, what each map holds (by emptying them one at a time).
    static func run(shares: Int, perMap: Bool) throws -> Result {
        let before = heapInUse()
        var restoreSeconds = 0.0
        var state: SharingState
        do {
            let r = rows(shares: shares)
            let start = ContinuousClock.now
            state = try SharingState.restore(
                revision: 1, counters: r.counters, accounts: r.accounts, apiKeys: r.apiKeys, contacts: r.contacts,
                devices: r.devices, shares: r.shares)
            let elapsed = ContinuousClock.now - start
            restoreSeconds =
                Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        }
        // The rows are gone: what is left above `before` is the state alone.
        let held = heapInUse() - before
        let count = state.shareCount
        var maps: [(String, Int)] = []
        if perMap {
            var last = heapInUse()
            for map in SharingState.ProfiledMap.allCases {
                state.emptyForProfile(map)
                let now = heapInUse()
                maps.append((map.rawValue, last - now))
                last = now
            }
            maps.append(("rest", last - before))
        }
        withExtendedLifetime(state) {}
        return Result(shares: count, heapBytes: held, restoreSeconds: restoreSeconds, perMap: maps)
    }

    /// Prints one table row per size (and the per-map rows with `perMap`).
    static func report(sizes: [Int], perMap: Bool) throws {
        emit("MemoryLayout<Share>: size \(MemoryLayout<Share>.size), stride \(MemoryLayout<Share>.stride)")
        emit("| shares | heap of the state | bytes per share | restore |")
        emit("|---:|---:|---:|---:|")
        for n in sizes {
            let r = try run(shares: n, perMap: perMap)
            emit(
                "| \(r.shares) | \(String(format: "%.1f", Double(r.heapBytes) / 1_048_576)) MiB | "
                    + "\(String(format: "%.1f", Double(r.heapBytes) / Double(r.shares))) | "
                    + "\(String(format: "%.3f", r.restoreSeconds)) s |")
            for (name, bytes) in r.perMap {
                emit(
                    "|   \(name) | \(String(format: "%.1f", Double(bytes) / 1_048_576)) MiB | "
                        + "\(String(format: "%.1f", Double(bytes) / Double(r.shares))) | |")
            }
        }
    }
}
