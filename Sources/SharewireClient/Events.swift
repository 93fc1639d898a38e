internal import SharewireMessages

extension SharewireClient {
    /// One page of the audit events that concern the caller, in id order.
    public func listEvents(
        _ filter: EventFilter = EventFilter(), pageSize: Int? = nil, pageToken: String? = nil,
        options: CallOptions = .default
    ) async throws(SharewireError) -> Page<AuditEvent> {
        let request = ListEventsRequest(
            deviceID: filter.deviceID ?? "", userID: filter.userID ?? "", kind: filter.kind?.wire ?? .unspecified,
            sinceMs: filter.since?.milliseconds ?? 0, untilMs: filter.until?.milliseconds ?? 0,
            pageSize: UInt32(clamping: pageSize ?? 0), pageToken: pageToken ?? "", minRevision: minRevision(options))
        let response = try await stubs.events.listEvents(request, options: options)
        return Page(
            items: response.events.map(AuditEvent.init), nextPageToken: response.nextPageToken.nonEmpty,
            revision: Revision(response.revision))
    }

    /// Every audit event that concerns the caller and matches `filter`.
    public func events(
        _ filter: EventFilter = EventFilter(), pageSize: Int? = nil,
        options: CallOptions = .default
    ) -> PageSequence<AuditEvent> {
        PageSequence { token throws(SharewireError) in
            try await self.listEvents(filter, pageSize: pageSize, pageToken: token, options: options)
        }
    }
}
