import Foundation

/// Everything a run needs, as the command line gives it. Codable so the
/// JSON report carries it (without the service key).
public struct LoadConfiguration: Sendable, Codable {
    /// Load model.
    public enum Model: String, Sendable, Codable {
        /// Sends follow an arrival schedule whatever the server does (default).
        case open
        /// `concurrency` calls always in flight.
        case closed
    }

    public var host = "127.0.0.1"
    public var port = 7070
    public var allowRemote = false
    /// The scenario's name, or "custom" for a `--mix`.
    public var scenario = Scenario.check.rawValue
    public var mix = Scenario.check.mix
    public var model = Model.open
    public var rate = RateProfile.constant(1_000)
    public var arrival = ArrivalProcess.constant
    /// Closed loop: calls in flight in total.
    public var concurrency = 16
    /// Open loop: most calls in flight in total (further due sends wait and count as late or missed).
    public var maxInFlight: Int?
    public var connections = 1
    public var threads = 1
    public var durationSeconds = 10.0
    public var warmupSeconds = 1.0
    /// Most measured requests in total; nil for no limit.
    public var requests: UInt64?
    public var timeoutSeconds = 5.0
    /// Open loop: least time between timer wake-ups of a worker (0: exact).
    public var timerSlackSeconds = 0.0
    /// Open loop with exact timers: a send due within this is waited for on
    /// the CPU instead of with a timer. Off by default: on the shared 2-core
    /// VM it saved no CPU (docs/PERFORMANCE.md). Not encoded into reports.
    public var spinSeconds = LoadConfiguration.defaultSpinSeconds
    /// The default of `spinSeconds`.
    public static let defaultSpinSeconds = 0.0
    public var population = PopulationShape()
    /// The run tag in seeded emails; random when nil.
    public var namespace: String?
    /// Not encoded into reports.
    public var serviceKey: String?

    /// The longest measured duration allowed.
    public static let maxDurationSeconds = 3_600.0
    /// The longest warm-up allowed.
    public static let maxWarmupSeconds = 600.0

    public init() {}

    enum CodingKeys: String, CodingKey {
        case host, port, allowRemote, scenario, mix, model, rate, arrival, concurrency, maxInFlight, connections,
            threads, durationSeconds, warmupSeconds, requests, timeoutSeconds, timerSlackSeconds, population, namespace
    }

    /// The open-loop cap actually used.
    public var effectiveMaxInFlight: Int { maxInFlight ?? 1_024 * connections }

    /// Checks every bound; a run that passes is bounded in time and count.
    public func validate() throws(LoadError) {
        guard durationSeconds > 0, durationSeconds <= Self.maxDurationSeconds else {
            throw LoadError("--duration must be in (0, \(Int(Self.maxDurationSeconds))] seconds")
        }
        guard warmupSeconds >= 0, warmupSeconds <= Self.maxWarmupSeconds else {
            throw LoadError("--warmup must be in [0, \(Int(Self.maxWarmupSeconds))] seconds")
        }
        guard (1...256).contains(connections) else { throw LoadError("--connections must be in 1...256") }
        guard (1...64).contains(threads) else { throw LoadError("--threads must be in 1...64") }
        guard timeoutSeconds > 0, timeoutSeconds <= 600 else {
            throw LoadError("--timeout must be in (0, 600] seconds")
        }
        guard timerSlackSeconds >= 0, timerSlackSeconds <= 0.1 else {
            throw LoadError("--timer-slack must be in [0, 100ms]")
        }
        guard spinSeconds >= 0, spinSeconds <= 0.001 else { throw LoadError("--spin must be in [0, 1ms]") }
        if let requests, requests < 1 { throw LoadError("--requests must be at least 1") }
        switch model {
        case .closed:
            guard (1...1_000_000).contains(concurrency) else { throw LoadError("--concurrency must be in 1...1000000") }
            guard concurrency <= 1_024 * connections else {
                throw LoadError(
                    "--concurrency \(concurrency) exceeds 1024 calls per connection (the protocol default); add --connections"
                )
            }
        case .open:
            guard rate.startRate >= 0, rate.startRate <= 10_000_000,
                rate.stages.allSatisfy({ $0.targetRate <= 10_000_000 })
            else {
                throw LoadError("rates must be in 0...10000000 per second")
            }
            guard rate.startRate > 0 || rate.stages.contains(where: { $0.targetRate > 0 }) else {
                throw LoadError("the rate is zero throughout: nothing would be sent")
            }
            guard (1...1_000_000).contains(effectiveMaxInFlight) else {
                throw LoadError("--max-in-flight must be in 1...1000000")
            }
        }
        try population.validate(for: mix)
        if mix.operations.contains(where: \.writes), connections > population.owners {
            throw LoadError(
                "writes are partitioned by owner over the connections: --owners (\(population.owners)) must be at least --connections (\(connections))"
            )
        }
        try TargetPolicy.check(host: host, allowRemote: allowRemote)
    }
}

/// Targets are loopback unless the user says otherwise.
public enum TargetPolicy {
    /// Throws unless `host` is a loopback name or address, or `allowRemote`.
    public static func check(host: String, allowRemote: Bool) throws(LoadError) {
        guard !allowRemote, !isLoopback(host) else { return }
        throw LoadError("target \(host) is not loopback; pass --allow-remote to load another machine")
    }

    /// `localhost`, `127.0.0.0/8` and `::1`.
    public static func isLoopback(_ host: String) -> Bool {
        let host = host.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        if host == "localhost" || host == "::1" || host == "0:0:0:0:0:0:0:1" { return true }
        let parts = host.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4, parts[0] == "127" else { return false }
        return parts.allSatisfy { UInt8($0) != nil }
    }

    /// Splits `host:port` (`[v6]:port` too); a bare host gets `defaultPort`.
    public static func parse(_ target: String, defaultPort: Int = 7070) throws(LoadError) -> (host: String, port: Int) {
        if target.hasPrefix("["), let close = target.firstIndex(of: "]") {
            let host = String(target[target.index(after: target.startIndex)..<close])
            let rest = target[target.index(after: close)...]
            guard rest.isEmpty || rest.hasPrefix(":"), let port = rest.isEmpty ? defaultPort : Int(rest.dropFirst())
            else {
                throw LoadError("target '\(target)' is not [HOST]:PORT")
            }
            return (host, port)
        }
        let parts = target.split(separator: ":", omittingEmptySubsequences: false)
        switch parts.count {
        case 1: return (target, defaultPort)
        case 2:
            guard !parts[0].isEmpty, let port = Int(parts[1]), (1...65_535).contains(port) else {
                throw LoadError("target '\(target)' is not HOST:PORT")
            }
            return (String(parts[0]), port)
        default:
            throw LoadError("target '\(target)' is not HOST:PORT (write IPv6 as [::1]:7070)")
        }
    }
}
