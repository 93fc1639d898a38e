import HashTreeCollections
import Testing

@testable import SharingDomain

/// The snapshot's compact share table: every share reads back as it was
/// written, Check answers as it did on whole shares, and a restore builds the
/// same state as one put at a time.
@Suite struct ShareTableTests {
    static let t = Timestamp(millisecondsSinceEpoch: 1_780_000_000_000)
    static let device = DeviceID(raw: 7)
    static let owner = AccountID(raw: 1)
    /// 64 services (the most a device may have): ports 1000..., two on port 22 (tcp and udp).
    static let services: [Service] =
        (1...62).map {
            Service(id: ServiceID(raw: UInt64($0)), name: "s\($0)", port: UInt16(1000 + $0), protocol: "tcp")
        }
        + [
            Service(id: ServiceID(raw: 63), name: "ssh", port: 22, protocol: "tcp"),
            Service(id: ServiceID(raw: 64), name: "ssh-udp", port: 22, protocol: "udp"),
        ]

    /// One share of each shape the table stores differently.
    static func variants(user: AccountID) -> [Share] {
        let all = Set(services.map(\.id))
        let accesses: [ShareAccess] = [
            .all(), .all(scripting: true), .ports([], scripting: true), .ports([ServiceID(raw: 63)]),
            .ports([ServiceID(raw: 64)], scripting: true), .ports([ServiceID(raw: 1), ServiceID(raw: 63)]),
            .ports(all, scripting: true),
        ]
        let times: [(Timestamp?, Timestamp?)] = [
            (nil, nil), (Timestamp(millisecondsSinceEpoch: 1_780_000_100_000), nil),
            (nil, Timestamp(millisecondsSinceEpoch: 1_780_000_200_000)),
            (
                Timestamp(millisecondsSinceEpoch: 1_780_000_300_000),
                Timestamp(millisecondsSinceEpoch: 1_780_000_050_000)
            ),
        ]
        var out: [Share] = []
        for access in accesses {
            for (expiresAt, acceptBy) in times {
                out.append(
                    Share(
                        device: device, user: user, access: access, createdAt: t,
                        updatedAt: Timestamp(millisecondsSinceEpoch: Int64.max), expiresAt: expiresAt,
                        acceptBy: acceptBy))
            }
        }
        out.append(
            Share(
                device: device, user: user, access: .all(), createdAt: Timestamp(millisecondsSinceEpoch: Int64.min),
                updatedAt: Timestamp(millisecondsSinceEpoch: 0), expiresAt: Timestamp(millisecondsSinceEpoch: 0)))
        return out
    }

    @Test func everyShapeReadsBackAsWritten() {
        var table = ShareTable()
        let key = ShareKey(device: Self.device, user: AccountID(raw: 2))
        for share in Self.variants(user: key.user) {
            table[key] = share
            #expect(table[key] == share)
            #expect(table.count == 1)
            // Extras only for shares with an expiry, an invitation or two or more services.
            let needsExtras = share.expiresAt != nil || share.acceptBy != nil || share.access.services.count >= 2
            #expect(table.extras.count == (needsExtras ? 1 : 0))
            #expect(Array(table).map(\.value) == [share])
        }
        table[key] = nil
        #expect(table[key] == nil && table.count == 0 && table.extras.isEmpty)
    }

    @Test func removingAShareWithExtrasRemovesThem() {
        var table = ShareTable()
        let key = ShareKey(device: Self.device, user: AccountID(raw: 2))
        table[key] = Self.variants(user: key.user).first { $0.expiresAt != nil }
        #expect(table.extras.count == 1)
        table[key] = nil
        #expect(table.extras.isEmpty && table.compact.isEmpty)
    }

    /// Check on the compact form gives the answers of the whole share's rules.
    @Test func checkAnswersAsTheWholeShareWould() throws {
        let recipients = (0..<Self.variants(user: Self.owner).count).map { AccountID(raw: UInt64(10 + $0)) }
        let shares = zip(recipients, Self.variants(user: Self.owner)).map { user, s in
            Share(
                device: s.device, user: user, access: s.access, createdAt: s.createdAt, updatedAt: s.updatedAt,
                expiresAt: s.expiresAt, acceptBy: s.acceptBy)
        }
        let accounts = ([Self.owner] + recipients).map {
            Account(id: $0, email: Email(trusted: "u\($0.raw)@example.com"), language: .en, createdAt: Self.t)
        }
        let device = Device(
            id: Self.device, owner: Self.owner, name: "d", services: Self.services, createdAt: Self.t,
            updatedAt: Self.t)
        let state = try SharingState.restore(
            revision: 1, counters: IDCounters(), accounts: accounts, apiKeys: [], contacts: [], devices: [device],
            shares: shares)
        let instants = [1_780_000_000_000, 1_780_000_100_000, 1_780_000_250_000, 1_780_000_400_000].map {
            Timestamp(millisecondsSinceEpoch: $0)
        }
        for share in shares {
            for now in instants {
                let live = !share.isPending && !share.isExpired(at: now)
                for port: UInt16 in [22, 1001, 1062, 80] {
                    let expected =
                        live
                        && device.services.contains {
                            $0.port == port && (share.access.mode == .all || share.access.services.contains($0.id))
                        }
                    #expect(state.check(user: share.user, device: Self.device, port: port, at: now) == expected)
                }
                #expect(
                    state.checkScripting(user: share.user, device: Self.device, at: now)
                        == (live && share.access.scripting))
            }
        }
    }

    /// A restore builds exactly the state (rows and indexes) that putting the
    /// same rows one at a time builds.
    @Test func restoreBuildsWhatOneByOnePutsBuild() throws {
        let users = (2...9).map { AccountID(raw: UInt64($0)) }
        let accounts = ([Self.owner] + users).map {
            Account(id: $0, email: Email(trusted: "u\($0.raw)@example.com"), language: .en, createdAt: Self.t)
        }
        let devices = (1...5).map {
            Device(
                id: DeviceID(raw: UInt64($0)), owner: Self.owner, name: "d\($0)",
                services: $0 == 1 ? Self.services : [], createdAt: Self.t, updatedAt: Self.t)
        }
        var shares: [Share] = []
        let variants = Self.variants(user: Self.owner)
        for (i, user) in users.enumerated() {
            for d in devices where (d.id.raw + UInt64(i)) % 3 != 0 {
                let v = variants[(i * 5 + Int(d.id.raw)) % variants.count]
                shares.append(
                    Share(
                        device: d.id, user: user, access: d.id.raw == 1 ? v.access : .all(scripting: i % 2 == 0),
                        createdAt: v.createdAt, updatedAt: v.updatedAt, expiresAt: v.expiresAt, acceptBy: v.acceptBy))
            }
        }
        let restored = try SharingState.restore(
            revision: 3, counters: IDCounters(), accounts: accounts, apiKeys: [], contacts: [], devices: devices,
            shares: shares)
        var put = SharingState()
        put.revision = 3
        for a in accounts { put.putAccount(a) }
        for d in devices { put.putDevice(d) }
        for s in shares { put.putShare(s) }
        #expect(restored.sameContent(as: put))
        #expect(restored.shares == put.shares)
        #expect(restored.sharesByDevice == put.sharesByDevice)
        #expect(restored.sharesByUser == put.sharesByUser)
        #expect(restored.expiring == put.expiring)
        #expect(restored.shareCount == shares.count)
        for s in shares { #expect(restored.shares[s.key] == s) }
    }
}
