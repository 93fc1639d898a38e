import CoreMetrics
import SharewireRPC
import Synchronization

/// Call and connection metrics through swift-metrics, as the RPC server's
/// ``ServerObserver``.
///
/// | metric | kind | labels |
/// |---|---|---|
/// | `sharewire_rpc_calls_total` | counter | `method`, `code` |
/// | `sharewire_rpc_call_duration_seconds` | timer (histogram) | `method` |
/// | `sharewire_rpc_refused_total` | counter | `code` |
/// | `sharewire_rpc_connections` | meter (gauge) | — |
/// | `sharewire_auth_failures_total` | counter | — |
/// | `sharewire_auth_limited_total` | counter | — |
/// | `sharewire_auth_goaway_total` | counter | — |
/// | `sharewire_tls_certificate_not_after_seconds` | gauge | — |
/// | `sharewire_tls_certificate_reloads_total` | counter | `result` |
///
/// Every metric object is created once (per method up front, per status code
/// on first use) and cached, so recording a call is a dictionary lookup, a
/// short lock and atomic updates: nothing is allocated per call.
public final class RPCMetrics: ServerObserver {
    public static let callsLabel = "sharewire_rpc_calls_total"
    public static let durationLabel = "sharewire_rpc_call_duration_seconds"
    public static let refusedLabel = "sharewire_rpc_refused_total"
    public static let connectionsLabel = "sharewire_rpc_connections"
    public static let authFailuresLabel = "sharewire_auth_failures_total"
    public static let authLimitedLabel = "sharewire_auth_limited_total"
    public static let authGoAwayLabel = "sharewire_auth_goaway_total"
    public static let certificateExpiryLabel = "sharewire_tls_certificate_not_after_seconds"
    public static let certificateReloadsLabel = "sharewire_tls_certificate_reloads_total"

    /// Metrics of one method. Counters per status code are made on first use.
    private final class PerMethod: Sendable {
        let path: String
        let duration: Timer
        let counters = Mutex<[Counter?]>(Array(repeating: nil, count: StatusCode.allCases.count))

        init(path: String) {
            self.path = path
            duration = Timer(label: RPCMetrics.durationLabel, dimensions: [("method", path)])
        }

        func counter(_ code: StatusCode) -> Counter {
            counters.withLock { counters in
                if let counter = counters[Int(code.rawValue)] { return counter }
                let counter = Counter(
                    label: RPCMetrics.callsLabel, dimensions: [("method", path), ("code", code.description)])
                counters[Int(code.rawValue)] = counter
                return counter
            }
        }
    }

    /// Read-only after init, so lookups take no lock.
    private let methods: [String: PerMethod]
    private let refused = Mutex<[Counter?]>(Array(repeating: nil, count: StatusCode.allCases.count))
    private let connections = Meter(label: RPCMetrics.connectionsLabel)
    private let authFailures = Counter(label: RPCMetrics.authFailuresLabel)
    private let authLimited = Counter(label: RPCMetrics.authLimitedLabel)
    private let authGoAways = Counter(label: RPCMetrics.authGoAwayLabel)
    private let certificateExpiry = Gauge(label: RPCMetrics.certificateExpiryLabel)
    private let certificateReloads = Counter(label: RPCMetrics.certificateReloadsLabel, dimensions: [("result", "ok")])
    private let certificateReloadFailures = Counter(
        label: RPCMetrics.certificateReloadsLabel,
        dimensions: [("result", "failed")])
    /// The first load (at start) is not a reload.
    private let certificateLoads = Atomic<Int>(0)

    /// Metrics for the methods of a router (`router.methods`).
    public init(methods: [MethodDescriptor]) {
        var table: [String: PerMethod] = [:]
        for method in methods { table[method.path] = PerMethod(path: method.path) }
        self.methods = table
    }

    public func callFinished(method: MethodDescriptor, code: StatusCode, duration: Duration) {
        // Every routed method is in the table; nothing else reaches a handler.
        guard let metrics = methods[method.path] else { return }
        metrics.counter(code).increment()
        let (seconds, attoseconds) = duration.components
        metrics.duration.recordNanoseconds(seconds &* 1_000_000_000 &+ attoseconds / 1_000_000_000)
    }

    public func callRefused(code: StatusCode) {
        let counter = refused.withLock { counters in
            if let counter = counters[Int(code.rawValue)] { return counter }
            let counter = Counter(label: Self.refusedLabel, dimensions: [("code", code.description)])
            counters[Int(code.rawValue)] = counter
            return counter
        }
        counter.increment()
    }

    public func connectionOpened() { connections.increment() }
    public func connectionClosed() { connections.decrement() }
    public func authenticationFailed() { authFailures.increment() }
    public func authenticationLimited() { authLimited.increment() }
    public func connectionClosedForAuthenticationFailures() { authGoAways.increment() }

    public func tlsCertificateLoaded(_ certificate: ServerCertificateSummary) {
        certificateExpiry.record(certificate.notValidAfter)
        if certificateLoads.add(1, ordering: .relaxed).oldValue > 0 { certificateReloads.increment() }
    }

    public func tlsCertificateReloadFailed() { certificateReloadFailures.increment() }
}
