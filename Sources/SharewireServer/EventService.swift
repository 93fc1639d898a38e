import SharewireMessages
import SharewireRPC
import SharingDomain

/// `sharewire.v1.EventService`: the audit log, as far as it concerns the caller.
///
/// The store returns only events whose users include the caller; the
/// filters (device, other user, kind, time) narrow that further and can
/// never widen it.
struct EventService: Sharewire_V1.EventService.Handler {
    let env: ServiceEnvironment
    var authentication: ServiceAuthentication { env.authentication }
    /// Ends the WatchAccessChanges streams at shutdown.
    let stopping: ShutdownSignal

    func listEvents(
        request: ListEventsRequest, caller: Caller,
        context: ServerContext
    ) async throws -> ListEventsResponse {
        let query = try env.domain { () throws(SharingError) -> EventQuery in
            let filter = EventFilter(
                device: request.deviceID.isEmpty ? nil : try Parse.id(request.deviceID, field: .deviceId) as DeviceID,
                user: request.userID.isEmpty ? nil : try Parse.id(request.userID, field: .userId) as AccountID,
                kind: try Parse.eventKind(request.kind),
                since: Parse.time(request.sinceMs), until: Parse.time(request.untilMs))
            return try EventQuery(
                caller: caller.account, filter: filter, cursor: Parse.pageToken(request.pageToken),
                pageSize: Parse.pageSize(request.pageSize), limits: env.limits)
        }
        // Events are stored in the same transaction as the write; once the
        // snapshot has the revision, so does the store.
        let snapshot = try await env.read(atLeast: request.minRevision, context)
        let fetched = try await env.storage("listing events") { try await env.log.events(query) }
        let page = query.page(fetched)
        return ListEventsResponse(
            events: page.items.map(AuditEvent.init), nextPageToken: page.nextCursor ?? "",
            revision: snapshot.revision)
    }
}
