import SharewireMessages
import SharewireRPC
import SharingDomain

/// Turns domain failures into wire statuses. The one place that does it, so
/// every service reports the same reason, subject, field and limit.
///
/// - status: the error's hint (docs/DOMAIN.md §4), as the gRPC code of the
///   same number;
/// - one `StatusDetail`: `reason`, `subject` (the offending id, email or
///   count), `field` as the .proto files spell it (``SharingError/Field``'s
///   raw value: `device_ids`, `page_token`), and, when the error names a
///   ``SharingError/Limit``, `metadata: limit=N` with its configured value.
public struct ErrorMapper: Sendable {
    /// The limits the domain enforces, to report the one that was hit.
    public let limits: Limits

    public init(limits: Limits) {
        self.limits = limits
    }

    /// The status for a domain error.
    public func status(for error: SharingError) -> RPCError {
        var metadata: [MetadataEntry] = []
        if let limit = error.limit {
            metadata.append(MetadataEntry(key: "limit", value: String(limits.value(of: limit))))
        }
        let detail = StatusDetail(
            reason: error.reason.rawValue, subject: error.subject ?? "",
            field: error.field?.wireName ?? "", metadata: metadata)
        return RPCError(
            StatusCode(wireValue: UInt32(error.status.rawValue)), error.message, details: [detail],
            notProcessed: error.reason == .storageUnavailable)
    }
}
