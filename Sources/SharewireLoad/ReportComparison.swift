import Foundation

/// `sharewire-load compare A.json B.json`: B's figures against A's.
public enum ReportComparison {
    /// One compared figure.
    public struct Row: Sendable, Equatable {
        public var metric: String
        public var a: Double
        public var b: Double
        /// True when a larger value is better (throughput).
        public var higherIsBetter: Bool

        /// B − A.
        public var delta: Double { b - a }
        /// (B − A) / A, nil when A is 0.
        public var relative: Double? { a == 0 ? nil : (b - a) / a }
    }

    /// The compared figures: throughput, latency percentiles, errors and CPU,
    /// in total and for each operation both runs made.
    public static func rows(_ a: RunReport, _ b: RunReport) -> [Row] {
        func summary(_ prefix: String, _ x: RunReport.OperationSummary, _ y: RunReport.OperationSummary) -> [Row] {
            [
                Row(metric: "\(prefix)rate/s", a: x.throughput, b: y.throughput, higherIsBetter: true),
                Row(metric: "\(prefix)p50 µs", a: x.latency.p50, b: y.latency.p50, higherIsBetter: false),
                Row(metric: "\(prefix)p90 µs", a: x.latency.p90, b: y.latency.p90, higherIsBetter: false),
                Row(metric: "\(prefix)p99 µs", a: x.latency.p99, b: y.latency.p99, higherIsBetter: false),
                Row(metric: "\(prefix)p99.9 µs", a: x.latency.p999, b: y.latency.p999, higherIsBetter: false),
                Row(metric: "\(prefix)p99.99 µs", a: x.latency.p9999, b: y.latency.p9999, higherIsBetter: false),
                Row(metric: "\(prefix)max µs", a: x.latency.max, b: y.latency.max, higherIsBetter: false),
                Row(metric: "\(prefix)errors", a: Double(x.errors), b: Double(y.errors), higherIsBetter: false),
            ]
        }
        var rows = summary("", a.total, b.total)
        rows.append(
            Row(metric: "missed sends", a: Double(a.sends.missed), b: Double(b.sends.missed), higherIsBetter: false))
        rows.append(
            Row(
                metric: "tool CPU µs/request", a: a.cpu.toolMicrosPerRequest, b: b.cpu.toolMicrosPerRequest,
                higherIsBetter: false))
        if let sa = a.cpu.serverMicrosPerRequest, let sb = b.cpu.serverMicrosPerRequest {
            rows.append(Row(metric: "server CPU µs/request", a: sa, b: sb, higherIsBetter: false))
        }
        if a.operations.count > 1 || b.operations.count > 1 {
            for name in Set(a.operations.keys).intersection(b.operations.keys).sorted() {
                rows += summary("\(name) ", a.operations[name]!, b.operations[name]!)
                    .filter { $0.metric.hasSuffix("rate/s") || $0.metric.hasSuffix("p99 µs") }
            }
        }
        return rows
    }

    /// The comparison as a table, with a note when the runs' setups differ.
    public static func text(_ a: RunReport, _ b: RunReport, nameA: String, nameB: String) -> String {
        var lines = [
            "A: \(nameA) (\(a.configuration.scenario), \(a.startedAt))",
            "B: \(nameB) (\(b.configuration.scenario), \(b.startedAt))",
        ]
        if a.configuration != b.configuration {
            lines.append("note: the runs' configurations differ; compare with care")
        }
        lines.append("")
        let body = rows(a, b).map { row -> [String] in
            let relative = row.relative.map { String(format: "%+.1f%%", $0 * 100) } ?? "n/a"
            let better = row.delta == 0 ? "" : ((row.delta > 0) == row.higherIsBetter ? "better" : "worse")
            return [
                row.metric, String(format: "%.2f", row.a), String(format: "%.2f", row.b),
                String(format: "%+.2f", row.delta), relative, better,
            ]
        }
        lines += TextReports.table(header: ["metric", "A", "B", "B−A", "change", ""], rows: body)
        return lines.joined(separator: "\n")
    }
}
