import SharewireMessages
import SharewireRPC
import SharingDomain

/// Turns domain failures into wire statuses. The one place that does it, so
/// every service reports the same reason, subject, field and limit.
///
/// - status: the error's hint (docs/DOMAIN.md §4), as the gRPC code of the
///   same number;
/// - one `StatusDetail`: `reason`, `subject` (the offending id, email or
///   count), `field` renamed to the request field of the .proto files
///   (`deviceIds` → `device_ids`, `cursor` → `page_token`), and, for a limit,
///   `metadata: limit=N` with the configured value.
public struct ErrorMapper: Sendable {
    /// The limits the domain enforces, to report the one that was hit.
    public let limits: Limits

    public init(limits: Limits) {
        self.limits = limits
    }

    /// The status for a domain error.
    public func status(for error: SharingError) -> RPCError {
        var metadata: [MetadataEntry] = []
        if let limit = limit(for: error) {
            metadata.append(MetadataEntry(key: "limit", value: String(limit)))
        }
        let detail = StatusDetail(reason: error.reason.rawValue, subject: error.subject ?? "",
                                  field: error.field.map(Self.wireFieldName) ?? "", metadata: metadata)
        return RPCError(StatusCode(wireValue: UInt32(error.status.rawValue)), error.message, details: [detail],
                        notProcessed: error.reason == .storageUnavailable)
    }

    /// The configured limit a `LIMIT_EXCEEDED` or length error refers to.
    func limit(for error: SharingError) -> Int? {
        switch error.reason {
        case .limitExceeded:
            switch error.field {
            // DeleteDevice (deviceId) and DeleteAccount (account) remove at most a bulk write's rows.
            case "pairs", "deviceId", "account": return limits.maxPairsPerBulk
            case "serviceIds", "ports": return limits.maxPortsPerShare
            case "services": return limits.maxServicesPerDevice
            case "pageSize": return limits.maxPageSize
            case "checks": return limits.maxChecksPerBatch
            case "deviceIds": return limits.maxDevicesPerCall
            case "contacts": return limits.maxContactsPerAccount
            case "devices", "toEmail": return limits.maxDevicesPerAccount
            case "expiresAtMs": return Int(clamping: limits.maxShareLifetimeMs)
            default: return nil
            }
        case .stringTooLong:
            return error.field == "services.protocol" ? limits.maxProtocolLength : limits.maxNameLength
        case .emailTooLong:
            return Limits.maxEmailLength
        default:
            return nil
        }
    }

    /// Domain field names that are not the .proto name in snake case.
    static let renamedFields: [String: String] = [
        "cursor": "page_token",
        "atLeastRevision": "min_revision",
        "serviceIds": "access.service_ids",
        "ports": "access.ports",
    ]

    /// The .proto spelling of a domain field name: `deviceIds` → `device_ids`,
    /// `services.protocol` unchanged.
    static func wireFieldName(_ name: String) -> String {
        if let renamed = renamedFields[name] { return renamed }
        var out = ""
        out.reserveCapacity(name.utf8.count + 4)
        for c in name {
            if c.isUppercase {
                out.append("_")
                out.append(contentsOf: c.lowercased())
            } else {
                out.append(c)
            }
        }
        return out
    }
}
