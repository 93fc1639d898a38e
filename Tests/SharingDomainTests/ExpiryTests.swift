import Synchronization
import Testing

@testable import SharingDomain

/// Time-limited shares: Check says no from `expiresAt` exactly, the expiry
/// write removes what ended, and the limits on the expiry itself.
@Suite struct ExpiryTests {
    struct Setup {
        var w = World()
        let a: AccountID
        let b: (email: String, id: AccountID)
        let d: Device
        init() {
            a = w.account("a@example.com")
            b = w.people(a, 1, prefix: "b")[0]
            d = w.device(a, ports: [22, 80])
        }
        func ms(_ offset: Int64) -> Timestamp { Timestamp(millisecondsSinceEpoch: w.now + offset) }
    }

    @Test func checkSaysNoFromTheInstantExactly() throws {
        var s = Setup()
        let expiry = s.ms(60_000)
        try s.w.run(
            .share(
                devices: [s.d.id], emails: [s.b.email], access: .all(scripting: true), notify: false,
                expiresAt: expiry), as: s.a)
        let before = Timestamp(millisecondsSinceEpoch: expiry.millisecondsSinceEpoch - 1)
        let after = Timestamp(millisecondsSinceEpoch: expiry.millisecondsSinceEpoch + 1)
        #expect(s.w.state.check(user: s.b.id, device: s.d.id, port: 22, at: before))
        #expect(s.w.state.checkScripting(user: s.b.id, device: s.d.id, at: before))
        for t in [expiry, after] {
            #expect(!s.w.state.check(user: s.b.id, device: s.d.id, port: 22, at: t))
            #expect(!s.w.state.checkScripting(user: s.b.id, device: s.d.id, at: t))
        }
        // The owner is never time-limited.
        #expect(s.w.state.check(user: s.a, device: s.d.id, port: 22, at: after))
        // CheckBatch: one instant for the whole batch.
        let batch = [
            CheckRequest(user: s.b.id, device: s.d.id, port: 22), CheckRequest(user: s.b.id, device: s.d.id, port: nil),
            CheckRequest(user: s.a, device: s.d.id, port: 80),
        ]
        #expect(try s.w.state.checkBatch(batch, at: before) == [true, true, true])
        #expect(try s.w.state.checkBatch(batch, at: expiry) == [false, false, true])
        #expect(try s.w.state.checkBatch(batch, at: after) == [false, false, true])
        // The row is still there until the expiry write: only Check changed.
        #expect(s.w.state.shareCount == 1 && s.w.state.nextExpiry == expiry)
    }

    /// A snapshot checks with its clock: a manual clock moved by one
    /// millisecond flips the answer, with no write in between.
    @Test func snapshotsCheckAgainstTheirClock() throws {
        var s = Setup()
        let expiry = s.ms(1_000)
        try s.w.run(
            .share(devices: [s.d.id], emails: [s.b.email], access: .all(), notify: false, expiresAt: expiry), as: s.a)
        let clock = ManualClock(expiry.millisecondsSinceEpoch - 1)
        let snapshots = SharingSnapshots(s.w.state, clock: clock.read)
        let snapshot = snapshots.latest()
        #expect(snapshot.check(user: s.b.id, device: s.d.id, port: 22))
        #expect(try snapshot.checkBatch([CheckRequest(user: s.b.id, device: s.d.id, port: 22)]) == [true])
        clock.set(expiry.millisecondsSinceEpoch)
        #expect(!snapshot.check(user: s.b.id, device: s.d.id, port: 22))
        #expect(!snapshot.checkScripting(user: s.b.id, device: s.d.id))
        #expect(try snapshot.checkBatch([CheckRequest(user: s.b.id, device: s.d.id, port: 22)]) == [false])
    }

    @Test func theExpiryWriteRemovesWhatEndedAndTellsBothSides() throws {
        var s = Setup()
        let c = s.w.people(s.a, 1, prefix: "c")[0]
        let j = s.w.account("j@example.com", .ja)
        s.w.contact(s.a, "j@example.com")
        let d2 = s.w.device(s.a, "nas")
        let soon = s.ms(10_000), later = s.ms(20_000)
        try s.w.run(
            .share(
                devices: [s.d.id, d2.id], emails: [s.b.email, "j@example.com"], access: .all(), notify: false,
                expiresAt: soon), as: s.a)
        try s.w.run(
            .share(devices: [s.d.id], emails: [c.email], access: .all(), notify: false, expiresAt: later), as: s.a)
        #expect(s.w.state.expiringShareCount == 5 && s.w.state.nextExpiry == soon)

        // Before anything is due: nothing is written, not even a revision.
        let revision = s.w.state.revision
        let early = try s.w.state.apply(
            .expireShares, actor: nil, at: Timestamp(millisecondsSinceEpoch: soon.millisecondsSinceEpoch - 1))
        #expect(early.state.revision == revision && early.changes.isEmpty)

        let applied = try s.w.state.apply(.expireShares, actor: nil, at: soon)
        s.w.state = applied.state
        #expect(applied.outcome == .count(created: 0, updated: 0, removed: 4))
        #expect(s.w.state.revision == revision + 1 && s.w.state.shareCount == 1 && s.w.state.nextExpiry == later)
        // One event per device, the owner acting, the recipients concerned.
        #expect(applied.changes.events.map(\.kind) == [.shareExpired, .shareExpired])
        #expect(applied.changes.events.map(\.devices) == [[s.d.id], [d2.id]])
        #expect(applied.changes.events.allSatisfy { $0.actor == s.a && $0.users == [s.a, s.b.id, j] })
        // Each recipient once (in its language), the owner once per recipient.
        let told = applied.changes.notifications.map { ($0.recipient, $0.template) }
        #expect(told.map(\.0) == [s.b.id, s.a, j, s.a])
        #expect(told.map(\.1) == [.shareExpired, .shareExpiredOwner, .shareExpired, .shareExpiredOwner])
        #expect(
            applied.changes.notifications[0].body
                == "The time limit a@example.com set has passed: you no longer have access to \"pi\", \"nas\".")
        #expect(applied.changes.notifications[1].subject == "b0@example.com's access to 2 devices you shared has ended")
        #expect(applied.changes.notifications[2].subject == "a@example.comさんが共有したデバイスの利用期限が切れました")
        // Running it again finds nothing: what makes two instances of a cluster safe.
        let again = try s.w.state.apply(.expireShares, actor: nil, at: soon)
        #expect(again.state.revision == s.w.state.revision && again.changes.isEmpty)
    }

    @Test func setExtendShortenAndClear() throws {
        var s = Setup()
        try s.w.run(.share(devices: [s.d.id], emails: [s.b.email], access: .all(), notify: false), as: s.a)
        #expect(s.w.state.nextExpiry == nil)
        // Set on an existing share through a re-share with the same access: an update.
        let first = s.ms(60_000)
        var applied = try s.w.run(
            .share(
                devices: [s.d.id], emails: [s.b.email], access: .all(), notify: true,
                expiresAt: first), as: s.a)
        #expect(applied.outcome == .count(created: 0, updated: 1, removed: 0))
        #expect(applied.changes.events.first?.detail.hasSuffix("expiresAt=\(first.millisecondsSinceEpoch)") == true)
        // Extend, keeping the access.
        let extended = s.ms(3_600_000)
        applied = try s.w.run(
            .updateShare(
                device: s.d.id, email: s.b.email, access: .all(), notify: false,
                expiry: .at(extended)), as: s.a)
        #expect(applied.outcome == .count(created: 0, updated: 1, removed: 0) && s.w.state.nextExpiry == extended)
        // Keep: an access change leaves the expiry alone.
        try s.w.run(
            .updateShare(device: s.d.id, email: s.b.email, access: .ports([s.d.services[0].id]), notify: false), as: s.a
        )
        #expect(s.w.state.nextExpiry == extended)
        // Shorten.
        let shorter = s.ms(1_000)
        try s.w.run(
            .updateShare(
                device: s.d.id, email: s.b.email, access: .ports([s.d.services[0].id]), notify: false,
                expiry: .at(shorter)), as: s.a)
        #expect(s.w.state.nextExpiry == shorter)
        #expect(!s.w.state.check(user: s.b.id, device: s.d.id, port: 22, at: shorter))
        // Identical expiry and access: nothing changes.
        applied = try s.w.run(
            .updateShare(
                device: s.d.id, email: s.b.email, access: .ports([s.d.services[0].id]),
                notify: false, expiry: .at(shorter)), as: s.a)
        #expect(applied.outcome == .count(created: 0, updated: 0, removed: 0))
        // Clear: no time limit any more.
        try s.w.run(
            .updateShare(
                device: s.d.id, email: s.b.email, access: .ports([s.d.services[0].id]), notify: false,
                expiry: .clear), as: s.a)
        #expect(s.w.state.nextExpiry == nil && s.w.state.expiringShareCount == 0)
        #expect(s.w.state.check(user: s.b.id, device: s.d.id, port: 22, at: s.ms(100_000_000)))
        // A re-share without an expiry replaces one with none.
        try s.w.run(
            .share(devices: [s.d.id], emails: [s.b.email], access: .all(), notify: false, expiresAt: first), as: s.a)
        try s.w.run(.share(devices: [s.d.id], emails: [s.b.email], access: .all(), notify: false), as: s.a)
        #expect(s.w.state.nextExpiry == nil)
    }

    /// The expiry must be after the write's time, and at most
    /// `maxShareLifetimeMs` after it: pinned at max and max + 1.
    @Test func limitsAtMaxAndMaxPlusOne() throws {
        var limits = Limits()
        limits.maxShareLifetimeMs = 86_400_000
        var s = Setup()
        s.w = World(limits: limits)
        let a = s.w.account("a@example.com")
        let b = s.w.people(a, 1)[0]
        let d = s.w.device(a)
        // `run` advances the clock by 1 ms, then applies at `now`.
        func at(_ offset: Int64) -> Timestamp { Timestamp(millisecondsSinceEpoch: s.w.now + 1 + offset) }
        expectFailure(.invalidArgument, field: .expiresAtMs) { () throws(SharingError) in
            try s.w.run(
                .share(devices: [d.id], emails: [b.email], access: .all(), notify: false, expiresAt: at(0)), as: a)
        }
        expectFailure(.invalidArgument, field: .expiresAtMs) { () throws(SharingError) in
            try s.w.run(
                .share(devices: [d.id], emails: [b.email], access: .all(), notify: false, expiresAt: at(-5_000)), as: a)
        }
        expectFailure(.limitExceeded, field: .expiresAtMs) { () throws(SharingError) in
            try s.w.run(
                .share(
                    devices: [d.id], emails: [b.email], access: .all(), notify: false,
                    expiresAt: at(86_400_001)), as: a)
        }
        try s.w.run(
            .share(devices: [d.id], emails: [b.email], access: .all(), notify: false, expiresAt: at(86_400_000)), as: a)
        try s.w.run(.share(devices: [d.id], emails: [b.email], access: .all(), notify: false, expiresAt: at(1)), as: a)
        // That share ends 1 ms later, at the next write: give it a minute for the UpdateShare cases.
        try s.w.run(
            .share(devices: [d.id], emails: [b.email], access: .all(), notify: false, expiresAt: at(60_000)), as: a)
        // The same rules on UpdateShare.
        expectFailure(.limitExceeded, field: .expiresAtMs) { () throws(SharingError) in
            try s.w.run(
                .updateShare(
                    device: d.id, email: b.email, access: .all(), notify: false,
                    expiry: .at(at(86_400_001))), as: a)
        }
        expectFailure(.invalidArgument, field: .expiresAtMs) { () throws(SharingError) in
            try s.w.run(
                .updateShare(device: d.id, email: b.email, access: .all(), notify: false, expiry: .at(at(0))), as: a)
        }
        try s.w.run(
            .updateShare(
                device: d.id, email: b.email, access: .all(), notify: false,
                expiry: .at(at(86_400_000))), as: a)
    }

    /// Only the owner sets an expiry (BOLA): a recipient is NOT_DEVICE_OWNER,
    /// a stranger DEVICE_NOT_FOUND, and nothing changes.
    @Test func onlyTheOwnerSetsAnExpiry() throws {
        var s = Setup()
        let stranger = s.w.account("x@example.com")
        try s.w.run(.share(devices: [s.d.id], emails: [s.b.email], access: .all(), notify: false), as: s.a)
        let revision = s.w.state.revision
        let soon = s.ms(60_000)
        expectFailure(.notDeviceOwner) { () throws(SharingError) in
            try s.w.run(
                .updateShare(device: s.d.id, email: s.b.email, access: .all(), notify: false, expiry: .at(soon)),
                as: s.b.id)
        }
        expectFailure(.deviceNotFound) { () throws(SharingError) in
            try s.w.run(
                .updateShare(device: s.d.id, email: s.b.email, access: .all(), notify: false, expiry: .clear),
                as: stranger)
        }
        expectFailure(.deviceNotFound) { () throws(SharingError) in
            try s.w.run(
                .share(devices: [s.d.id], emails: [s.b.email], access: .all(), notify: false, expiresAt: soon),
                as: stranger)
        }
        #expect(s.w.state.revision == revision && s.w.state.nextExpiry == nil)
    }

    /// Reads filter by the clock exactly as Check does: an expired share is
    /// gone from Get, ListDevices, ListShares, the owner's share count and
    /// CommonSharees from its instant on, before the expiry write lands.
    @Test func readsHideAnEndedShareFromTheInstantExactly() throws {
        var s = Setup()
        let other = s.w.device(s.a, "nas")
        let expiry = s.ms(60_000)
        try s.w.run(
            .share(
                devices: [s.d.id, other.id], emails: [s.b.email], access: .all(), notify: false,
                expiresAt: expiry), as: s.a)
        // The other device's share is extended: it does not end.
        try s.w.run(
            .updateShare(device: other.id, email: s.b.email, access: .all(), notify: false, expiry: .clear), as: s.a)
        let before = Timestamp(millisecondsSinceEpoch: expiry.millisecondsSinceEpoch - 1)
        let after = Timestamp(millisecondsSinceEpoch: expiry.millisecondsSinceEpoch + 1)
        let st = s.w.state
        // One millisecond before: shown, with its expiry.
        #expect(try st.device(s.b.id, s.d.id, at: before).expiresAt == expiry)
        #expect(
            try st.listDevices(s.b.id, cursor: nil, pageSize: 10, at: before).items.map(\.device.id) == [
                s.d.id, other.id,
            ])
        #expect(try st.listShares(s.a, device: s.d.id, cursor: nil, pageSize: 10, at: before).items.count == 1)
        #expect(try st.device(s.a, s.d.id, at: before).role == .owner(shareCount: 1))
        #expect(try st.commonSharees(s.a, devices: [s.d.id, other.id], at: before).map(\.id) == [s.b.id])
        for t in [expiry, after] {
            expectFailure(.deviceNotFound, field: .deviceId) { () throws(SharingError) in
                _ = try st.device(s.b.id, s.d.id, at: t)
            }
            #expect(try st.listDevices(s.b.id, cursor: nil, pageSize: 10, at: t).items.map(\.device.id) == [other.id])
            #expect(try st.listShares(s.a, device: s.d.id, cursor: nil, pageSize: 10, at: t).items.isEmpty)
            #expect(try st.device(s.a, s.d.id, at: t).role == .owner(shareCount: 0))
            #expect(try st.device(s.a, other.id, at: t).role == .owner(shareCount: 1))
            #expect(try st.commonSharees(s.a, devices: [s.d.id, other.id], at: t).isEmpty)
            #expect(try st.commonSharees(s.a, devices: [other.id], at: t).map(\.id) == [s.b.id])
        }
        // The row is still there: only the reads changed.
        #expect(st.shareCount == 2 && st.nextExpiry == expiry)
    }

    /// Writes at or after the instant treat an ended share as over too:
    /// UpdateShare cannot revive it, and a re-share ends it (with the event
    /// and access change the expiry write would record) and shares anew.
    @Test func writesTreatAnEndedShareAsOver() throws {
        var s = Setup()
        let expiry = s.ms(60_000)
        try s.w.run(
            .share(
                devices: [s.d.id], emails: [s.b.email], access: .portNumbers([22]), notify: false,
                expiresAt: expiry), as: s.a)
        s.w.now = expiry.millisecondsSinceEpoch - 2  // the write runs at expiry - 1: still live, extended
        let ends = s.ms(1_000)
        try s.w.run(
            .updateShare(
                device: s.d.id, email: s.b.email, access: .portNumbers([22]), notify: false,
                expiry: .at(ends)), as: s.a)
        #expect(s.w.state.nextExpiry == ends && s.w.state.shareCount == 1)
        s.w.now = ends.millisecondsSinceEpoch - 1  // the next write runs at the new instant exactly: over
        expectFailure(.shareNotFound, field: .email) { () throws(SharingError) in
            try s.w.run(
                .updateShare(device: s.d.id, email: s.b.email, access: .all(), notify: false, expiry: .clear), as: s.a)
        }
        #expect(!s.w.state.check(user: s.b.id, device: s.d.id, port: 22, at: ends))
        s.w.now = ends.millisecondsSinceEpoch - 1
        let again = try s.w.run(.share(devices: [s.d.id], emails: [s.b.email], access: .all(), notify: true), as: s.a)
        #expect(again.outcome == .count(created: 1, updated: 0, removed: 0))
        #expect(again.changes.events.map(\.kind) == [.shareExpired, .shareCreated])
        #expect(again.changes.accessChanges.map(\.kind) == [.shareExpired, .shareCreated])
        #expect(again.changes.notifications.map(\.template) == [.shared])
        #expect(s.w.state.check(user: s.b.id, device: s.d.id, port: 80, at: ends) && s.w.state.nextExpiry == nil)
    }

    /// The expiry survives the change log (a cluster replica) like any row.
    @Test func replayKeepsTheExpiry() throws {
        var s = Setup()
        let expiry = s.ms(60_000)
        let applied = try s.w.run(
            .share(
                devices: [s.d.id], emails: [s.b.email], access: .all(), notify: false,
                expiresAt: expiry), as: s.a)
        guard case let .putShare(share, _)? = applied.changes.mutations.first else {
            Issue.record("no share written")
            return
        }
        #expect(share.expiresAt == expiry)
    }
}

/// A clock tests move by hand.
final class ManualClock: Sendable {
    private let value: Mutex<Int64>
    init(_ ms: Int64) { value = Mutex(ms) }
    func set(_ ms: Int64) { value.withLock { $0 = ms } }
    func advance(_ ms: Int64) { value.withLock { $0 += ms } }
    var read: @Sendable () -> Timestamp { { [self] in Timestamp(millisecondsSinceEpoch: value.withLock { $0 }) } }
}
