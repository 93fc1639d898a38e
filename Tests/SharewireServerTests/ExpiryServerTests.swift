import SharewireMessages
import SharewireRPC
import SharewireServer
import SharewireTestSupport
import SharingDomain
import Synchronization
import Testing

/// Time-limited shares through the server: Check, CheckScripting and
/// CheckBatch say no from `expires_at_ms` exactly (a manual clock, no
/// sweeper lag); the expiry timer then commits the removal with its event and
/// notifications, also for shares that expired while the server was down;
/// limits and authorization of the new fields.
@Suite(.timeLimit(.minutes(2)))
struct ExpiryServerTests {
    /// A clock the test moves by hand, shared by the writer, the snapshots and the timer.
    final class Clock: Sendable {
        private let ms: Mutex<Int64>
        init(_ start: Int64) { ms = Mutex(start) }
        func set(_ value: Int64) { ms.withLock { $0 = value } }
        var now: Int64 { ms.withLock { $0 } }
        var read: @Sendable () -> Timestamp { { [self] in Timestamp(millisecondsSinceEpoch: ms.withLock { $0 }) } }
    }

    static let start: Int64 = 1_800_000_000_000

    static func expiryConfiguration() -> ExpiryTimer.Configuration {
        var c = ExpiryTimer.Configuration()
        c.pollInterval = .milliseconds(20)
        return c
    }

    static func harness(_ clock: Clock, store: ServiceStore = .sqlite, limits: Limits = Limits()) async throws
        -> Harness
    {
        try await Harness.start(store: store, limits: limits, clock: clock.read, expiry: expiryConfiguration())
    }

    /// Waits (bounded: 250 × 20 ms) until `condition` holds.
    static func eventually(_ condition: () -> Bool) async throws -> Bool {
        for _ in 0..<250 {
            if condition() { return true }
            try await Task.sleep(for: .milliseconds(20))
        }
        return condition()
    }

    /// Waits (bounded) until `timer` has made one whole look after this
    /// call began, so whatever it would write for the current clock and
    /// state is written: "nothing was written" then means nothing was due.
    static func timerHasLooked(_ timer: ExpiryTimer) async throws -> Bool {
        let from = timer.looks
        return try await eventually { timer.looks >= from + 2 }
    }

    @Test(arguments: ServiceStore.allCases) func checksSayNoFromTheInstantAndTheTimerCommitsTheExpiry(
        store: ServiceStore
    ) async throws {
        let clock = Clock(Self.start)
        let h = try await Self.harness(clock, store: store)
        let owner = try await h.createAccount("owner@example.com")
        let friend = try await h.createAccount("friend@example.com", language: .ja)
        let _: CreateContactResponse = try await h.call(
            Sharewire_V1.ContactService.Method.Create.descriptor,
            CreateContactRequest(email: friend.email), as: owner)
        let registered: RegisterDeviceResponse = try await h.call(
            Sharewire_V1.DeviceService.Method.Register.descriptor,
            RegisterDeviceRequest(
                name: "pi",
                services: [
                    NewService(name: "ssh", port: 22, protocol: "tcp"),
                    NewService(name: "smb", port: 445, protocol: "tcp"),
                ]), as: owner)
        let dev = registered.device.id
        let expiry = Self.start + 3_600_000
        let _: ShareResponse = try await h.call(
            Sharewire_V1.SharingService.Method.Share.descriptor,
            ShareRequest(
                deviceIDs: [dev], emails: [friend.email], access: Access(mode: .ports, scripting: true, ports: [22]),
                notify: false, expiresAtMs: expiry), as: owner)

        // Lists show the instant (clients derive the time left from it).
        let shares: ListDeviceSharesResponse = try await h.call(
            Sharewire_V1.SharingService.Method.ListDeviceShares.descriptor, ListDeviceSharesRequest(deviceID: dev),
            as: owner)
        #expect(shares.shares.map(\.expiresAtMs) == [expiry])
        let seen: GetDeviceResponse = try await h.call(
            Sharewire_V1.DeviceService.Method.Get.descriptor,
            GetDeviceRequest(deviceID: dev), as: friend)
        guard case let .shared(shared) = seen.device.role else {
            Issue.record("not shared")
            return
        }
        #expect(shared.expiresAtMs == expiry)
        #expect(seen.device.services.map(\.port) == [22])  // a PORTS recipient sees only what it was given

        func answers() async throws -> (Bool, Bool, [Bool]) {
            let port: CheckPortResponse = try await h.client.unary(
                Sharewire_V1.CheckService.Method.Check.descriptor,
                CheckPortRequest(userID: friend.id, deviceID: dev, port: 22),
                metadata: Harness.service())
            let scripts: CheckScriptingResponse = try await h.client.unary(
                Sharewire_V1.CheckService.Method.CheckScripting.descriptor,
                CheckScriptingRequest(userID: friend.id, deviceID: dev), metadata: Harness.service())
            let batch: CheckBatchResponse = try await h.client.unary(
                Sharewire_V1.CheckService.Method.CheckBatch.descriptor,
                CheckBatchRequest(checks: [
                    CheckItem(userID: friend.id, deviceID: dev, port: 22), CheckItem(userID: friend.id, deviceID: dev),
                    CheckItem(userID: owner.id, deviceID: dev, port: 445),
                ]), metadata: Harness.service())
            return (port.allowed, scripts.allowed, batch.allowed)
        }
        clock.set(expiry - 1)
        var (port, scripts, batch) = try await answers()
        #expect(port && scripts && batch == [true, true, true])
        let revision = h.revision
        clock.set(expiry)
        (port, scripts, batch) = try await answers()
        #expect(!port && !scripts && batch == [false, false, true])
        clock.set(expiry + 1)
        (port, scripts, batch) = try await answers()
        #expect(!port && !scripts && batch == [false, false, true])

        // The timer commits the expiry: one write, the event, both sides told.
        #expect(try await Self.eventually { h.backend.snapshots.latest().state.shareCount == 0 })
        #expect(h.revision == revision + 1)
        let events: ListEventsResponse = try await h.call(
            Sharewire_V1.EventService.Method.ListEvents.descriptor,
            ListEventsRequest(kind: .shareExpired), as: friend)
        #expect(events.events.count == 1 && events.events.first?.actorID == owner.id)
        let outbox = try await h.backend.store.notifications(after: 0, limit: 100)
        #expect(outbox.map(\.template) == [.shareExpired, .shareExpiredOwner])
        #expect(outbox.first?.language == .ja)
        // Nothing more is due: the timer writes nothing further.
        #expect(try await Self.timerHasLooked(h.backend.expiry))
        #expect(h.revision == revision + 1)
        await h.stop()
    }

    /// Set, extend, clear through UpdateShare; limits at max and max + 1;
    /// only the owner may set an expiry.
    @Test(arguments: ServiceStore.allCases) func updateLimitsAndAuthorization(store: ServiceStore) async throws {
        let clock = Clock(Self.start)
        var limits = Limits()
        limits.maxShareLifetimeMs = 86_400_000
        let h = try await Self.harness(clock, store: store, limits: limits)
        let owner = try await h.createAccount("owner@example.com")
        let friend = try await h.createAccount("friend@example.com")
        let stranger = try await h.createAccount("stranger@example.com")
        let _: CreateContactResponse = try await h.call(
            Sharewire_V1.ContactService.Method.Create.descriptor,
            CreateContactRequest(email: friend.email), as: owner)
        let registered: RegisterDeviceResponse = try await h.call(
            Sharewire_V1.DeviceService.Method.Register.descriptor,
            RegisterDeviceRequest(name: "pi", services: [NewService(name: "ssh", port: 22, protocol: "tcp")]), as: owner
        )
        let dev = registered.device.id
        let all = Access(mode: .all)

        // Max + 1 and the past are refused before anything is written; max is accepted.
        for (ms, code, reason) in [
            (Self.start + 86_400_001, StatusCode.resourceExhausted, "LIMIT_EXCEEDED"),
            (Self.start, .invalidArgument, "INVALID_ARGUMENT"),
            (-1, .invalidArgument, "INVALID_ARGUMENT"),
        ] {
            let error = await h.failure(
                Sharewire_V1.SharingService.Method.Share.descriptor,
                ShareRequest(deviceIDs: [dev], emails: [friend.email], access: all, expiresAtMs: ms),
                metadata: owner.metadata, responseType: ShareResponse.self)
            #expect(error?.code == code && error?.reason == reason, "\(ms)")
            #expect(error?.details.first?.field == "expires_at_ms", "\(ms)")
            if code == .resourceExhausted {
                #expect(error?.details.first?.metadata.first { $0.key == "limit" }?.value == "86400000")
            }
        }
        let _: ShareResponse = try await h.call(
            Sharewire_V1.SharingService.Method.Share.descriptor,
            ShareRequest(
                deviceIDs: [dev], emails: [friend.email], access: all, expiresAtMs: Self.start + 86_400_000), as: owner)

        func stored() -> Int64? {
            h.backend.snapshots.latest().state.nextExpiry?.millisecondsSinceEpoch
        }
        #expect(stored() == Self.start + 86_400_000)
        // Absent keeps it; a new instant moves it; 0 clears it.
        var updated: UpdateShareResponse = try await h.call(
            Sharewire_V1.SharingService.Method.UpdateShare.descriptor,
            UpdateShareRequest(deviceID: dev, email: friend.email, access: Access(mode: .all, scripting: true)),
            as: owner)
        #expect(updated.updated && stored() == Self.start + 86_400_000)
        updated = try await h.call(
            Sharewire_V1.SharingService.Method.UpdateShare.descriptor,
            UpdateShareRequest(
                deviceID: dev, email: friend.email, access: Access(mode: .all, scripting: true),
                expiresAtMs: Self.start + 1_000),
            as: owner)
        #expect(updated.updated && stored() == Self.start + 1_000)
        updated = try await h.call(
            Sharewire_V1.SharingService.Method.UpdateShare.descriptor,
            UpdateShareRequest(
                deviceID: dev, email: friend.email, access: Access(mode: .all, scripting: true), expiresAtMs: 0),
            as: owner)
        #expect(updated.updated && stored() == nil)
        let error = await h.failure(
            Sharewire_V1.SharingService.Method.UpdateShare.descriptor,
            UpdateShareRequest(
                deviceID: dev, email: friend.email, access: all, expiresAtMs: Self.start + 86_400_001),
            metadata: owner.metadata, responseType: UpdateShareResponse.self)
        #expect(error?.reason == "LIMIT_EXCEEDED" && error?.details.first?.field == "expires_at_ms")

        // BOLA: a recipient is NOT_DEVICE_OWNER, a stranger DEVICE_NOT_FOUND; nothing changes.
        let before = h.revision
        for (who, reason) in [(friend, "NOT_DEVICE_OWNER"), (stranger, "DEVICE_NOT_FOUND")] {
            let update = await h.failure(
                Sharewire_V1.SharingService.Method.UpdateShare.descriptor,
                UpdateShareRequest(
                    deviceID: dev, email: friend.email, access: all, expiresAtMs: Self.start + 5_000),
                metadata: who.metadata, responseType: UpdateShareResponse.self)
            #expect(update?.reason == reason, "\(who.email)")
            let share = await h.failure(
                Sharewire_V1.SharingService.Method.Share.descriptor,
                ShareRequest(
                    deviceIDs: [dev], emails: [friend.email], access: all, expiresAtMs: Self.start + 5_000),
                metadata: who.metadata, responseType: ShareResponse.self)
            #expect(share?.reason == reason, "\(who.email)")
        }
        #expect(h.revision == before && stored() == nil)
        await h.stop()
    }

    /// A share that expired while the server was down answers "no" as soon
    /// as the server is back, and the first timer round commits its expiry.
    @Test func expiryAcrossARestart() async throws {
        let clock = Clock(Self.start)
        let dir = try TempDirectory()
        defer { dir.remove() }
        var backend = try await SharingBackend.open(
            directory: dir.path, clock: clock.read, expiry: Self.expiryConfiguration())
        let (aRes, _) = try await backend.writer.createAccount(email: "a@example.com", language: .en)
        let (bRes, _) = try await backend.writer.createAccount(email: "b@example.com", language: .en)
        guard case let .account(a) = aRes.outcome, case let .account(b) = bRes.outcome else { return }
        _ = try await backend.writer.submit(
            .createContact(email: "b@example.com", fields: ContactFields()), actor: a.id)
        let reg = try await backend.writer.submit(
            .registerDevice(
                name: "pi",
                services: [
                    ServiceSpec(name: "ssh", port: 22, protocol: "tcp")
                ]), actor: a.id)
        guard case let .device(d) = reg.outcome else { return }
        let expiry = Timestamp(millisecondsSinceEpoch: Self.start + 60_000)
        _ = try await backend.writer.submit(
            .share(
                devices: [d.id], emails: ["b@example.com"], access: .all(), notify: false,
                expiresAt: expiry), actor: a.id)
        let revision = backend.snapshots.revision
        try await backend.shutdown()

        clock.set(expiry.millisecondsSinceEpoch + 5_000)  // down past the instant
        backend = try await SharingBackend.open(
            directory: dir.path, clock: clock.read, expiry: Self.expiryConfiguration())
        // Either the share is still there and answers no, or the timer already removed it.
        #expect(!backend.snapshots.latest().check(user: b.id, device: d.id, port: 22))
        let current = backend
        #expect(try await Self.eventually { current.snapshots.latest().state.shareCount == 0 })
        #expect(backend.snapshots.revision == revision + 1)
        // The timer counts its write after the writer answered, which is after
        // the snapshot above was published: wait for the count too.
        #expect(try await Self.eventually { current.expiry.writes >= 1 })
        try await backend.shutdown()
    }
}
