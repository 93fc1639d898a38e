import Foundation
import Testing

@testable import SharewireLoad

/// Reports, thresholds, comparisons and option parsing, on synthetic data.
@Suite struct ReportTests {
    /// A report built from a recorder with known latencies: 1..1000 ms... in µs steps.
    static func sample(latencyScale: Int64 = 1, errors: Int = 5) -> (RunReport, LatencyHistogram) {
        var recorder = LatencyRecorder()
        for i in 1...1_000 {
            let outcome: CallOutcome = i <= errors ? .failed(code: "UNAVAILABLE", message: "busy", kind: .status) : .ok
            recorder.record(
                i % 2 == 0 ? .check : .share, intended: 0, sent: 0, completed: Int64(i) * 1_000 * latencyScale,
                outcome: outcome)
            recorder.recordSend(lagNanos: 10_000, heldByCap: false)
        }
        var interval = IntervalStats()
        interval.latency = recorder.total.latency
        interval.ok = recorder.total.ok
        let rows = [
            RunReport.IntervalRow(interval, elapsed: 1, seconds: 1, warmup: true),
            RunReport.IntervalRow(interval, elapsed: 2, seconds: 1, warmup: false),
        ]
        var config = LoadConfiguration()
        config.mix = Scenario.mixed.mix
        let total = recorder.total
        let report = RunReport(
            startedAt: "2026-11-23T12:00:00Z", configuration: LoadRun.reportConfiguration(config), measuredSeconds: 2,
            interrupted: false, total: .init(total, seconds: 2),
            operations: [
                "check": .init(recorder.operations[OperationKind.check.rawValue]!, seconds: 2),
                "share": .init(recorder.operations[OperationKind.share.rawValue]!, seconds: 2),
            ],
            errors: recorder.errorTable.counts.map {
                .init(operation: $0.key.operation, code: $0.key.code, message: $0.key.message, count: $0.value)
            },
            sends: .init(
                sent: recorder.sent, late: 0, capped: 0, missed: 0, unfinished: 0, schedulerLagP99: 10,
                schedulerLagMax: 10),
            cpu: .init(toolMicrosPerRequest: 3.5, toolUtilization: 0.4, serverMicrosPerRequest: nil, saturated: false),
            intervals: rows, spectrum: RunReport.spectrum(total.latency), warnings: [])
        return (report, total.latency)
    }

    @Test func jsonParsesBackAndIsVersioned() throws {
        let (report, _) = Self.sample()
        let data = try report.encoded()
        let object = try JSONSerialization.jsonObject(with: data) as? [String: Any]
        #expect(object?["version"] as? Int == 1)
        #expect(try RunReport.decode(data) == report)
        #expect(abs(report.total.latency.p50 - 500) <= 1)
        #expect(abs(report.total.latency.p99 - 990) <= 1)
        #expect(report.total.latency.max >= 999)
        #expect(report.total.throughput == 500)
        var future = String(decoding: data, as: UTF8.self)
        future = future.replacingOccurrences(of: "\"version\" : 1", with: "\"version\" : 2")
        #expect(throws: LoadError.self) { try RunReport.decode(Data(future.utf8)) }
    }

    @Test func csvHgrmAndHtmlRender() throws {
        let (report, histogram) = Self.sample()
        let csv = TextReports.csv(report).split(separator: "\n")
        #expect(csv.count == 3)
        #expect(csv[0].hasPrefix("elapsed_s,warmup,"))
        #expect(csv[1].split(separator: ",")[1] == "true")
        let hgrm = TextReports.hgrm(histogram)
        #expect(hgrm.contains("Percentile"))
        #expect(hgrm.contains("Total count    =         1000"))
        let html = HTMLReport.render(report)
        #expect(html.hasPrefix("<!DOCTYPE html>"))
        #expect(html.components(separatedBy: "<svg").count == 4)
        #expect(!html.contains("http://") || html.contains("http://www.w3.org/2000/svg"))
        #expect(!html.contains("<script"))
        let summary = TextReports.summary(report)
        #expect(summary.contains("check"))
        #expect(summary.contains("p99.99"))
    }

    @Test func thresholdsParse() throws {
        let p99 = try Threshold(parsing: "p99>5ms")
        #expect(p99.metric == .p99 && p99.comparison == .greater && p99.value == 5_000 && p99.operation == nil)
        #expect(abs(try Threshold(parsing: "p99.9 >= 800us").value - 800) < 1e-6)
        #expect(try Threshold(parsing: "p99.9>=800µs").metric == .p999)
        #expect(try Threshold(parsing: "max>1.5s").value == 1_500_000)
        #expect(try Threshold(parsing: "p50>2").value == 2_000)  // bare number: milliseconds
        let errors = try Threshold(parsing: "errors>0.1%")
        #expect(errors.percent && abs(errors.value - 0.001) < 1e-12)
        #expect(try Threshold(parsing: "errors>10").percent == false)
        #expect(try Threshold(parsing: "rate<1000").comparison == .less)
        let op = try Threshold(parsing: "check.p99.99<=3ms")
        #expect(op.operation == "check" && op.metric == .p9999 && op.comparison == .lessOrEqual)
        for bad in ["p99", "p98>5ms", "p99>fast", "p99>5%", "rate<10%", "nope.p99>1ms", "errors>-1", ""] {
            #expect(throws: LoadError.self, "\(bad)") { try Threshold(parsing: bad) }
        }
    }

    @Test func thresholdsGate() throws {
        let (report, _) = Self.sample()  // p99 ≈ 990 µs, 5 errors of 1000
        #expect(try Threshold(parsing: "p99>5ms").violation(in: report) == nil)
        #expect(try Threshold(parsing: "p99>500us").violation(in: report) != nil)
        #expect(try Threshold(parsing: "errors>0.1%").violation(in: report) != nil)
        #expect(try Threshold(parsing: "errors>1%").violation(in: report) == nil)
        #expect(try Threshold(parsing: "errors>4").violation(in: report) != nil)
        #expect(try Threshold(parsing: "rate<1000").violation(in: report) != nil)
        #expect(try Threshold(parsing: "rate<100").violation(in: report) == nil)
        #expect(try Threshold(parsing: "check.p50>1ms").violation(in: report) == nil)
        #expect(try Threshold(parsing: "echo.p50>1ms").violation(in: report) != nil)  // not in the run
        #expect(try Threshold(parsing: "cpu>5").violation(in: report) == nil)
        #expect(try Threshold(parsing: "missed>0").violation(in: report) == nil)
    }

    @Test func compareShowsDeltas() {
        let (a, _) = Self.sample()
        let (b, _) = Self.sample(latencyScale: 2)
        let rows = ReportComparison.rows(a, b)
        let p99 = rows.first { $0.metric == "p99 µs" }!
        #expect(abs(p99.relative! - 1.0) < 0.01)
        let text = ReportComparison.text(a, b, nameA: "a.json", nameB: "b.json")
        #expect(text.contains("p99 µs"))
        #expect(text.contains("+100.0%"))
        #expect(text.contains("worse"))
    }

    @Test func targetsAreLoopbackUnlessAllowed() throws {
        #expect(TargetPolicy.isLoopback("127.0.0.1"))
        #expect(TargetPolicy.isLoopback("127.5.0.9"))
        #expect(TargetPolicy.isLoopback("localhost"))
        #expect(TargetPolicy.isLoopback("::1"))
        #expect(!TargetPolicy.isLoopback("10.0.0.1"))
        #expect(!TargetPolicy.isLoopback("127.0.0.1.example.com"))
        #expect(!TargetPolicy.isLoopback("example.com"))
        #expect(throws: LoadError.self) { try TargetPolicy.check(host: "10.0.0.1", allowRemote: false) }
        try TargetPolicy.check(host: "10.0.0.1", allowRemote: true)
        #expect(try TargetPolicy.parse("127.0.0.1:9000") == ("127.0.0.1", 9000))
        #expect(try TargetPolicy.parse("[::1]:9000") == ("::1", 9000))
        #expect(try TargetPolicy.parse("localhost") == ("localhost", 7070))
        #expect(throws: LoadError.self) { try TargetPolicy.parse("host:0") }
        #expect(throws: LoadError.self) { try TargetPolicy.parse("::1:80") }
    }

    @Test func runsAreBounded() {
        var config = LoadConfiguration()
        config.durationSeconds = 3_601
        #expect(throws: LoadError.self) { try config.validate() }
        config.durationSeconds = 10
        config.warmupSeconds = 601
        #expect(throws: LoadError.self) { try config.validate() }
        config.warmupSeconds = 1
        config.rate = .constant(0)
        #expect(throws: LoadError.self) { try config.validate() }
        config.rate = .constant(1_000)
        config.host = "192.168.1.10"
        #expect(throws: LoadError.self) { try config.validate() }
        config.host = "127.0.0.1"
        config.population.contactsPerOwner = 2
        #expect(throws: LoadError.self) { try config.validate() }
        config.population.contactsPerOwner = 20
        config.spinSeconds = 0.002
        #expect(throws: LoadError.self) { try config.validate() }
        config.spinSeconds = LoadConfiguration.defaultSpinSeconds
        #expect(throws: Never.self) { try config.validate() }
        #expect(DurationText.seconds("250ms") == 0.25)
        #expect(DurationText.seconds("2m") == 120)
        #expect(DurationText.seconds("-1s") == nil)
    }
}

@Suite struct PopulationTests {
    /// A population as the seeder would return it, with made-up server ids.
    static func population(seed: UInt64) -> Population {
        var shape = PopulationShape()
        shape.owners = 8
        shape.devicesPerOwner = 3
        shape.contactsPerOwner = 4
        shape.seed = seed
        let owners = (0..<8).map { i in
            SeededOwner(
                account: SeededAccount(id: "acc_\(i)", email: Population.ownerEmail(i, namespace: "t"), key: "sw_\(i)"),
                devices: (0..<3).map { d in
                    SeededDevice(id: "dev_\(i)_\(d)", serviceIDs: ["svc_a", "svc_b"], ports: [22, 8001])
                },
                transferDevice: nil)
        }
        return Population(shape: shape, namespace: "t", owners: owners, churnLag: 128)
    }

    @Test func requestTablesFollowTheSeed() {
        let a = RequestTables(population: Self.population(seed: 5), size: 1_024)
        let b = RequestTables(population: Self.population(seed: 5), size: 1_024)
        let c = RequestTables(population: Self.population(seed: 6), size: 1_024)
        #expect(a.checks.map(\.0) == b.checks.map(\.0))
        #expect(a.checks.map(\.0) != c.checks.map(\.0))
        // Requests vary: many distinct (user, device, port) triples, and some ports on no device.
        let distinct = Set(a.checks.map { "\($0.0.userID) \($0.0.deviceID) \($0.0.port)" })
        #expect(distinct.count > 60)
        #expect(a.checks.contains { $0.0.port == 9 })
    }

    @Test func writesArePartitionedByOwner() {
        let population = Self.population(seed: 1)
        let parts = (0..<3).map { population.owners(ofWorker: $0, workers: 3) }
        #expect(parts.flatMap { $0 }.sorted() == Array(0..<8))
        #expect(Set(parts[0]).isDisjoint(with: parts[1]))
        var shape = PopulationShape()
        shape.contactsPerOwner = 20
        shape.shareContacts = 10
        #expect(shape.bulkGroupsPerOwner == 1)
        #expect(shape.contact(99, 0) == 0)  // wraps: owner 99's first contact is owner 0
    }
}
