import SharewireMessages
import SharewireRPC
import SharewireServer
import Testing

/// WatchAccessChanges in a PostgreSQL cluster: a broker watching instance B
/// is told of the writes made on instance A (one access-change log, and B's
/// stream follows the snapshots its change feed publishes).
@Suite(.timeLimit(.minutes(2)))
struct ClusterAccessFeedTests {
    @Test func aWatcherOnBSeesTheGrantAndRevokeMadeOnA() async throws {
        try await ClusterTests.withDatabase { url in
            let a = try await ClusterTests.node(url)
            let b = try await ClusterTests.node(url)
            let owner = try await a.createAccount("owner@example.com")
            let friend = try await a.createAccount("friend@example.com")
            let _: CreateContactResponse = try await a.call(
                Sharewire_V1.ContactService.Method.Create.descriptor,
                CreateContactRequest(email: friend.email), as: owner)
            let dev = try await ClusterTests.device("vault", of: owner, on: a)
            let stream: ServerStream<WatchAccessChangesResponse> = try await b.client.serverStream(
                Sharewire_V1.EventService.Method.WatchAccessChanges.descriptor,
                WatchAccessChangesRequest(fromLatest: true),
                metadata: Harness.service(), timeout: .seconds(30))
            var messages = stream.makeAsyncIterator()
            let first = try await messages.next()
            let start = try #require(first?.throughRevision)

            let shared: ShareResponse = try await a.call(
                Sharewire_V1.SharingService.Method.Share.descriptor,
                ShareRequest(
                    deviceIDs: [dev], emails: [friend.email], access: Access(mode: .all)), as: owner)
            let revoked: RemoveSharesResponse = try await a.call(
                Sharewire_V1.SharingService.Method.RemoveShares.descriptor,
                RemoveSharesRequest(deviceIDs: [dev], emails: [friend.email]), as: owner)
            #expect(shared.revision > start)
            var changes: [AccessChange] = []
            while changes.count < 2, let message = try await messages.next() {
                changes += message.changes
            }
            #expect(changes.map(\.kind) == [.shareCreated, .shareRemoved])
            #expect(changes.map(\.revision) == [shared.revision, revoked.revision])
            #expect(changes.allSatisfy { $0.userID == friend.id && $0.deviceID == dev })
            // A cursor A returned is valid on B (B waits briefly if it is behind).
            let resumed: ServerStream<WatchAccessChangesResponse> = try await b.client.serverStream(
                Sharewire_V1.EventService.Method.WatchAccessChanges.descriptor,
                WatchAccessChangesRequest(afterRevision: shared.revision), metadata: Harness.service(),
                timeout: .seconds(30))
            var after: [AccessChange] = []
            for try await message in resumed {
                after += message.changes
                if message.throughRevision >= revoked.revision { break }
            }
            #expect(after.map(\.kind) == [.shareRemoved])
            await a.stop()
            await b.stop()
        }
    }
}
