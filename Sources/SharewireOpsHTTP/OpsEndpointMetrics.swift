import Metrics

/// What the operations endpoint counts about itself (docs/SERVER.md §7).
struct OpsEndpointMetrics: Sendable {
    private let refused = Counter(label: "sharewire_http_connections_refused_total")
    private let idleTimeouts = Counter(label: "sharewire_http_timeouts_total", dimensions: [("phase", "idle")])
    private let requestTimeouts = Counter(label: "sharewire_http_timeouts_total", dimensions: [("phase", "request")])
    private let open = Gauge(label: "sharewire_http_connections")

    func connectionRefused() { refused.increment() }

    func timedOut(phase: String) {
        (phase == "idle" ? idleTimeouts : requestTimeouts).increment()
    }

    func connections(_ count: Int) { open.record(count) }
}
