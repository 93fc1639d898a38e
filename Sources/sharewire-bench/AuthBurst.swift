import Histogram
import NIOPosix
import SharewireMessages
import SharewireRPC
import Synchronization

/// `--auth-burst N`: the latency of a legitimate probe (Check with a valid
/// key on its own, already authenticated connection, one call at a time)
/// alone, then while `attackers` clients send N calls with a wrong key as
/// fast as they can (docs/PERFORMANCE.md, failed-authentication limiting).
struct AuthBurst {
    let port: Int
    let wrongKeys: Int
    let attackers: Int
    /// One Check with a valid key.
    let probe: BenchCall
    let duration: Duration
    let group: MultiThreadedEventLoopGroup

    /// What the wrong-key calls got back.
    struct Outcomes {
        var unauthenticated = 0
        var rateLimited = 0
        var other = 0
        var seconds = 0.0
    }

    func run() async throws -> [String] {
        let probeClient = client()
        try await probeClient.connect()
        defer { probeClient.close() }
        try await probe(probeClient, 0)  // authenticates its connection once
        let clock = ContinuousClock()

        let alone = await measure(probeClient, until: { clock.now >= $0 + duration })
        let finished = BurstFinished()
        let burst = Task { await attack(finished: finished) }
        let during = await measure(probeClient, until: { _ in finished.flag.load(ordering: .acquiring) })
        let outcomes = await burst.value

        func row(_ name: String, _ r: WorkerResult) -> String {
            let h = r.histogram
            func us(_ p: Double) -> String { String(format: "%.1f", Double(h.valueAtPercentile(p)) / 1000) }
            return
                "| \(name) | \(h.totalCount) | \(us(50)) | \(us(99)) | \(us(99.9)) | \(String(format: "%.1f", Double(h.max) / 1000)) | \(r.errors) |"
        }
        let ratio =
            Double(during.histogram.valueAtPercentile(99)) / Double(max(1, alone.histogram.valueAtPercentile(99)))
        return [
            "| probe (Check, valid key, own connection, 1 in flight) | calls | p50 µs | p99 µs | p99.9 µs | max µs | errors |",
            "|---|---:|---:|---:|---:|---:|---:|",
            row("alone", alone),
            row("during the \(wrongKeys)-wrong-key burst", during),
            "",
            "burst: \(wrongKeys) Whoami calls with a wrong key from \(attackers) clients in "
                + String(format: "%.2f s (%.0f/s)", outcomes.seconds, Double(wrongKeys) / max(outcomes.seconds, 1e-9))
                + ": UNAUTHENTICATED \(outcomes.unauthenticated), RESOURCE_EXHAUSTED AUTHENTICATION_RATE_LIMITED "
                + "\(outcomes.rateLimited), other (connection closed by GOAWAY, …) \(outcomes.other)",
            String(format: "probe p99 during / alone: %.2f×", ratio),
        ]
    }

    private func client() -> RPCClient {
        var config = ClientConfiguration(host: "127.0.0.1", port: port)
        config.defaultTimeout = .seconds(30)
        config.keepaliveInterval = nil
        return RPCClient(configuration: config, group: group)
    }

    /// Probe calls, one at a time, until `stop(start)` says so.
    private func measure(_ client: RPCClient, until stop: (ContinuousClock.Instant) -> Bool) async -> WorkerResult {
        let clock = ContinuousClock()
        let start = clock.now
        var result = WorkerResult()
        while !stop(start) {
            let sent = clock.now
            do {
                try await probe(client, 0)
                result.histogram.record(UInt64((clock.now - sent).nanosecondsClamped))
            } catch {
                result.errors += 1
            }
        }
        return result
    }

    /// Sends the wrong-key calls; each attacker is a client of its own,
    /// which reconnects after the server's GOAWAY.
    private func attack(finished: BurstFinished) async -> Outcomes {
        let clock = ContinuousClock()
        let start = clock.now
        let next = finished
        let wrong = [MetadataEntry(key: "authorization", value: "Bearer sw_" + String(repeating: "0", count: 64))]
        var total = await withTaskGroup(of: Outcomes.self) { tasks in
            for _ in 0..<attackers {
                tasks.addTask {
                    var seen = Outcomes()
                    let attacker = client()
                    defer { attacker.close() }
                    while next.sent.add(1, ordering: .relaxed).oldValue < wrongKeys {
                        do {
                            let _: WhoamiResponse = try await attacker.unary(
                                Sharewire_V1.AccountService.Method.Whoami.descriptor, WhoamiRequest(), metadata: wrong)
                            seen.other += 1
                        } catch let error as RPCError {
                            switch error.code {
                            case .unauthenticated: seen.unauthenticated += 1
                            case .resourceExhausted: seen.rateLimited += 1
                            default: seen.other += 1
                            }
                        } catch {
                            seen.other += 1
                        }
                    }
                    return seen
                }
            }
            var sum = Outcomes()
            for await part in tasks {
                sum.unauthenticated += part.unauthenticated
                sum.rateLimited += part.rateLimited
                sum.other += part.other
            }
            return sum
        }
        total.seconds = Double((clock.now - start).nanosecondsClamped) / 1e9
        finished.flag.store(true, ordering: .releasing)
        return total
    }
}

/// The burst's progress: calls handed out, and whether the last one has been answered.
final class BurstFinished: Sendable {
    let sent = Atomic<Int>(0)
    let flag = Atomic<Bool>(false)
}
