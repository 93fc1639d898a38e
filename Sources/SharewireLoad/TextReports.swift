import Foundation
import Histogram

/// The terminal summary table and the CSV and `.hgrm` files.
public enum TextReports {
    /// The summary printed at the end of a run.
    public static func summary(_ r: RunReport) -> String {
        func us(_ v: Double) -> String { DurationText.format(seconds: v / 1e6) }
        func n(_ v: Double) -> String { String(format: "%.0f", v) }
        var lines: [String] = []
        let c = r.configuration
        lines.append("")
        lines.append("sharewire-load \(c.scenario) (\(c.mix)) → \(c.target)\(r.interrupted ? "  [interrupted]" : "")")
        let model =
            c.model == "open"
            ? "open loop, \(c.arrival ?? "") \(n(c.rate ?? 0))/s\(c.stages.isEmpty ? "" : " + \(c.stages.count) stage(s)"), max in flight \(c.maxInFlight ?? 0)"
            : "closed loop, concurrency \(c.concurrency ?? 0)"
        lines.append(
            "\(model); \(c.connections) connection(s), \(c.threads) thread(s); measured \(String(format: "%.2f", r.measuredSeconds)) s after \(c.warmupSeconds) s warm-up"
        )
        lines.append("")
        let header = ["operation", "requests", "rate/s", "errors", "p50", "p90", "p99", "p99.9", "p99.99", "max"]
        var rows: [[String]] = []
        func row(_ name: String, _ s: RunReport.OperationSummary) -> [String] {
            [
                name, "\(s.completed)", n(s.throughput), "\(s.errors)", us(s.latency.p50), us(s.latency.p90),
                us(s.latency.p99), us(s.latency.p999), us(s.latency.p9999), us(s.latency.max),
            ]
        }
        for name in r.operations.keys.sorted() { rows.append(row(name, r.operations[name]!)) }
        if r.operations.count != 1 { rows.append(row("all", r.total)) }
        lines += table(header: header, rows: rows)
        lines.append("")
        lines.append(
            "latency is from the intended send time (coordinated omission corrected); from the actual send: "
                + "p50 \(us(r.total.serviceTime.p50)), p99 \(us(r.total.serviceTime.p99)), max \(us(r.total.serviceTime.max))"
        )
        let s = r.sends
        lines.append(
            "sends: \(s.sent) sent, \(s.late) late (>1 ms), \(s.capped) held by the in-flight cap, \(s.missed) missed, "
                + "\(s.unfinished) unfinished; scheduler lag p99 \(us(s.schedulerLagP99))")
        lines.append(
            "errors: \(r.total.errors) (\(String(format: "%.3f", r.total.errorRate * 100))%), timeouts \(r.total.timeouts), "
                + "connection errors \(r.total.connectionErrors)")
        for e in r.errors.prefix(10) {
            lines.append("  \(e.count) × \(e.operation) \(e.code): \(e.message)")
        }
        var cpu = String(
            format: "CPU: this tool %.2f µs/request (%.0f%% of its threads)", r.cpu.toolMicrosPerRequest,
            r.cpu.toolUtilization * 100)
        if let server = r.cpu.serverMicrosPerRequest { cpu += String(format: "; server %.2f µs/request", server) }
        lines.append(cpu)
        for warning in r.warnings { lines.append("WARNING: \(warning)") }
        return lines.joined(separator: "\n")
    }

    /// Left-aligned first column, right-aligned numbers.
    static func table(header: [String], rows: [[String]]) -> [String] {
        let all = [header] + rows
        let widths = header.indices.map { i in all.map { $0[i].count }.max() ?? 0 }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { i, cell in
                let pad = String(repeating: " ", count: widths[i] - cell.count)
                return i == 0 ? cell + pad : pad + cell
            }.joined(separator: "  ")
        }
        return [line(header), widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ")] + rows.map(line)
    }

    /// One row per interval (second).
    public static func csv(_ r: RunReport) -> String {
        var text = "elapsed_s,warmup,sent,ok,errors,rate_per_s,p50_us,p90_us,p99_us,max_us,in_flight\n"
        for i in r.intervals {
            text +=
                String(format: "%.3f,", i.elapsed) + (i.warmup ? "true" : "false")
                + String(
                    format: ",%llu,%llu,%llu,%.1f,%.1f,%.1f,%.1f,%.1f,%d\n",
                    i.sent, i.ok, i.errors, i.rate, i.p50, i.p90, i.p99, i.max, i.inFlight)
        }
        return text
    }

    /// HdrHistogram's percentile distribution format, values in microseconds
    /// (loads into the HdrHistogram plotter).
    public static func hgrm(_ histogram: LatencyHistogram) -> String {
        var text = ""
        histogram.outputPercentileDistribution(to: &text, outputValueUnitScalingRatio: 1_000)
        return text
    }
}
