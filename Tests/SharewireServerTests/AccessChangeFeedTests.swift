import Logging
import SharewireMessages
import SharewireRPC
import SharewireServer
import SharewireTestSupport
import SharingDomain
import Testing

/// `EventService/WatchAccessChanges` against a real server: every kind of
/// change once and in revision order, resuming from a cursor, the progress
/// message, an unknown and an expired cursor, and who sees what (BOLA).
@Suite(.timeLimit(.minutes(2)))
struct AccessChangeFeedTests {
    typealias Watch = Sharewire_V1.EventService.Method.WatchAccessChanges

    /// Reads the stream until `through` reaches `revision`; returns every change and the messages' cursors.
    func read(
        _ h: Harness, _ request: WatchAccessChangesRequest, metadata: Metadata,
        until revision: UInt64
    ) async throws -> (changes: [AccessChange], throughs: [UInt64]) {
        let stream: ServerStream<WatchAccessChangesResponse> = try await h.client.serverStream(
            Watch.descriptor, request, metadata: metadata, timeout: .seconds(30))
        var changes: [AccessChange] = []
        var throughs: [UInt64] = []
        for try await message in stream {
            changes += message.changes
            throughs.append(message.throughRevision)
            if message.throughRevision >= revision { break }
        }
        return (changes, throughs)
    }

    func failure(_ h: Harness, _ request: WatchAccessChangesRequest, metadata: Metadata) async -> RPCError? {
        do {
            let stream: ServerStream<WatchAccessChangesResponse> = try await h.client.serverStream(
                Watch.descriptor, request, metadata: metadata, timeout: .seconds(10))
            for try await _ in stream {}
            return nil
        } catch let error as RPCError {
            return error
        } catch {
            Issue.record("\(error)")
            return nil
        }
    }

    struct People {
        let owner: TestAccount, bob: TestAccount, carol: TestAccount, stranger: TestAccount
        let device: DeviceInfo
        let strangersDevice: DeviceInfo
    }

    func people(_ h: Harness) async throws -> People {
        let owner = try await h.createAccount("owner@example.com")
        let bob = try await h.createAccount("bob@example.com")
        let carol = try await h.createAccount("carol@example.com")
        let stranger = try await h.createAccount("stranger@example.com")
        for email in [bob.email, carol.email] {
            let _: CreateContactResponse = try await h.call(
                Sharewire_V1.ContactService.Method.Create.descriptor,
                CreateContactRequest(email: email), as: owner)
        }
        func register(_ account: TestAccount) async throws -> DeviceInfo {
            let response: RegisterDeviceResponse = try await h.call(
                Sharewire_V1.DeviceService.Method.Register.descriptor,
                RegisterDeviceRequest(
                    name: "pi",
                    services: [
                        NewService(name: "ssh", port: 22, protocol: "ssh"),
                        NewService(name: "web", port: 80, protocol: "tcp"),
                    ]),
                as: account)
            return response.device
        }
        return People(
            owner: owner, bob: bob, carol: carol, stranger: stranger, device: try await register(owner),
            strangersDevice: try await register(stranger))
    }

    @Test(arguments: ServiceStore.allCases) func everyKindOnceInRevisionOrderResumableAndOnlyForThoseConcerned(
        store: ServiceStore
    ) async throws {
        // A manual clock (writer, snapshots and the expiry timer): the share
        // below expires when the test moves the clock, not after a real wait.
        let time = ExpiryServerTests.Clock(ExpiryServerTests.start)
        let h = try await ExpiryServerTests.harness(time, store: store)
        let p = try await people(h)
        let start = h.revision
        let dev = p.device.id
        let ssh = p.device.services[0].id, web = p.device.services[1].id
        func share(_ email: String, _ access: Access, expiresAtMs: Int64 = 0) async throws {
            let _: ShareResponse = try await h.call(
                Sharewire_V1.SharingService.Method.Share.descriptor,
                ShareRequest(
                    deviceIDs: [dev], emails: [email], access: access, expiresAtMs: expiresAtMs), as: p.owner)
        }
        // share.created, share.updated, service.removed, share.removed, share.left
        try await share(p.bob.email, Access(mode: .ports, serviceIDs: [ssh, web]))
        let _: UpdateShareResponse = try await h.call(
            Sharewire_V1.SharingService.Method.UpdateShare.descriptor,
            UpdateShareRequest(
                deviceID: dev, email: p.bob.email,
                access: Access(mode: .ports, serviceIDs: [ssh, web], scripting: true)),
            as: p.owner)
        let _: RemoveServiceResponse = try await h.call(
            Sharewire_V1.DeviceService.Method.RemoveService.descriptor,
            RemoveServiceRequest(deviceID: dev, serviceID: web), as: p.owner)
        let _: RemoveSharesResponse = try await h.call(
            Sharewire_V1.SharingService.Method.RemoveShares.descriptor,
            RemoveSharesRequest(deviceIDs: [dev], emails: [p.bob.email]), as: p.owner)
        let middle = h.revision
        try await share(p.bob.email, Access(mode: .all))
        let _: LeaveResponse = try await h.call(
            Sharewire_V1.SharingService.Method.Leave.descriptor,
            LeaveRequest(deviceIDs: [dev]), as: p.bob)
        // share.expired: the expiry timer commits it once the clock reaches the
        // instant. Awaited as that commit (the next revision, woken by it), not
        // as an empty listing: lists hide an expired share before the timer
        // has written its removal.
        let expiresAt = time.now + 60_000
        try await share(p.carol.email, Access(mode: .all), expiresAtMs: expiresAt)
        let shared = h.revision
        time.set(expiresAt)
        let expired = try await h.backend.snapshots.snapshot(atLeast: shared + 1, timeout: .seconds(20))
        #expect(expired.state.shareCount == 0)
        // device.transferred: the old owner loses it, the new one gains it.
        let _: TransferResponse = try await h.call(
            Sharewire_V1.SharingService.Method.Transfer.descriptor,
            TransferRequest(deviceIDs: [dev], toEmail: p.carol.email), as: p.owner)
        let end = h.revision

        let all = try await read(
            h, WatchAccessChangesRequest(afterRevision: start), metadata: Harness.service(), until: end)
        let kinds = all.changes.map(\.kind)
        #expect(
            kinds == [
                .shareCreated, .shareUpdated, .serviceRemoved, .shareRemoved, .shareCreated, .shareLeft,
                .shareCreated, .shareExpired, .deviceTransferred, .deviceTransferred,
            ])
        #expect(
            all.changes.map(\.userID) == [
                p.bob.id, p.bob.id, p.bob.id, p.bob.id, p.bob.id, p.bob.id,
                p.carol.id, p.carol.id, p.owner.id, p.carol.id,
            ])
        #expect(
            all.changes.map(\.level) == [
                .shared, .shared, .shared, .none, .shared, .none, .shared, .none, .none, .owner,
            ])
        #expect(all.changes[1].access.scripting && all.changes[2].access.serviceIDs == [ssh])
        #expect(all.changes[2].access.ports == [22])
        #expect(all.changes[6].expiresAtMs > 0)
        #expect(all.changes.allSatisfy { $0.deviceID == dev })
        // Revision order, each once; the last message's cursor is the end.
        let order = all.changes.map { [$0.revision, UInt64($0.position)] }
        #expect(order == order.sorted { $0.lexicographicallyPrecedes($1) } && Set(order).count == order.count)
        #expect(all.throughs.last == end && all.throughs == all.throughs.sorted())

        // Resumed from a cursor in the middle: only what came after it.
        let resumed = try await read(
            h, WatchAccessChangesRequest(afterRevision: middle), metadata: Harness.service(), until: end)
        #expect(resumed.changes == Array(all.changes.drop(while: { $0.revision <= middle })))
        #expect(resumed.changes.count == 6)

        // BOLA: each account sees its own access and its devices' changes; a stranger nothing.
        let owner = try await read(
            h, WatchAccessChangesRequest(afterRevision: start), metadata: p.owner.metadata, until: end)
        #expect(owner.changes.map(\.kind) == kinds.dropLast())  // the new owner's gain is the new owner's
        let bob = try await read(
            h, WatchAccessChangesRequest(afterRevision: start), metadata: p.bob.metadata, until: end)
        #expect(bob.changes.count == 6 && bob.changes.allSatisfy { $0.userID == p.bob.id })
        let carol = try await read(
            h, WatchAccessChangesRequest(afterRevision: start), metadata: p.carol.metadata, until: end)
        // The new owner also sees the old owner's loss: it is now its device.
        #expect(carol.changes.map(\.kind) == [.shareCreated, .shareExpired, .deviceTransferred, .deviceTransferred])
        let stranger = try await read(
            h, WatchAccessChangesRequest(afterRevision: start), metadata: p.stranger.metadata, until: end)
        #expect(stranger.changes.isEmpty && stranger.throughs == [end])
        // Acting for an account is that account's view, not the service's.
        let actAs = try await read(
            h, WatchAccessChangesRequest(afterRevision: start),
            metadata: Harness.service(actAs: p.stranger.id), until: end)
        #expect(actAs.changes.isEmpty)
        await h.stop()
    }

    @Test(arguments: ServiceStore.allCases) func anOpenStreamFollowsNewCommitsAndFromLatestStartsNow(
        store: ServiceStore
    ) async throws {
        let h = try await Harness.start(store: store)
        let p = try await people(h)
        let before = h.revision
        let stream: ServerStream<WatchAccessChangesResponse> = try await h.client.serverStream(
            Watch.descriptor, WatchAccessChangesRequest(fromLatest: true), metadata: p.bob.metadata,
            timeout: .seconds(30))
        var messages = stream.makeAsyncIterator()
        // The first message (no changes) says where the stream starts.
        let first = try await messages.next()
        #expect(first?.changes.isEmpty == true && first?.throughRevision == before)
        let _: ShareResponse = try await h.call(
            Sharewire_V1.SharingService.Method.Share.descriptor,
            ShareRequest(
                deviceIDs: [p.device.id], emails: [p.bob.email], access: Access(mode: .all)), as: p.owner)
        let next = try await messages.next()
        #expect(next?.changes.map(\.kind) == [.shareCreated])
        #expect(next?.changes.first?.revision == before + 1 && next?.throughRevision == before + 1)
        await h.stop()
    }

    @Test func unknownAndExpiredCursorsAreTypedErrors() async throws {
        let dir = try TempDirectory()
        var retention = SharingBackend.AccessChangeRetention()
        retention.revisions = 2
        retention.pruneInterval = .milliseconds(50)
        let backend = try await SharingBackend.open(directory: dir.path, accessRetention: retention)
        let h = try await Harness.start(backend: backend, dir: dir)
        let p = try await people(h)
        for email in [p.bob.email, p.carol.email] {
            let _: ShareResponse = try await h.call(
                Sharewire_V1.SharingService.Method.Share.descriptor,
                ShareRequest(
                    deviceIDs: [p.device.id], emails: [email], access: Access(mode: .all)), as: p.owner)
        }
        let latest = h.revision
        let unknown = await failure(
            h, WatchAccessChangesRequest(afterRevision: latest + 1000), metadata: p.owner.metadata)
        #expect(unknown?.code == .outOfRange && unknown?.reason == "ACCESS_CURSOR_UNKNOWN")
        #expect(unknown?.details.first?.subject == String(latest + 1000))

        // Pruned to the latest two revisions: a cursor before them is refused, one inside is served.
        let clock = ContinuousClock()
        let until = clock.now + .seconds(10)
        var page = try await backend.store.accessChanges(
            after: .caughtUp(through: 0), through: latest, visibleTo: nil, limit: 10)
        while page.prunedThrough < latest - 2, clock.now < until {
            try await Task.sleep(for: .milliseconds(20))
            page = try await backend.store.accessChanges(
                after: .caughtUp(through: 0), through: latest, visibleTo: nil, limit: 10)
        }
        #expect(page.prunedThrough == latest - 2)
        let expired = await failure(h, WatchAccessChangesRequest(afterRevision: 1), metadata: p.owner.metadata)
        #expect(expired?.code == .failedPrecondition && expired?.reason == "ACCESS_CURSOR_EXPIRED")
        #expect(expired?.message.contains("re-read the state") == true)
        let inside = try await read(
            h, WatchAccessChangesRequest(afterRevision: latest - 2), metadata: p.owner.metadata,
            until: latest)
        #expect(inside.changes.map(\.userID) == [p.bob.id, p.carol.id])
        await h.stop()
    }
}
