import Foundation

/// `--html`: one self-contained page (inline CSS and SVG, no script, no
/// network): the summary, latency over time, throughput over time and the
/// percentile spectrum.
public enum HTMLReport {
    public static func render(_ r: RunReport) -> String {
        let c = r.configuration
        let measured = r.intervals.filter { !$0.warmup }
        let warmupEnd = r.intervals.last(where: \.warmup)?.elapsed
        let latencyChart = SVGChart(
            title: "Latency over time (from intended send time)", xLabel: "seconds", yLabel: "latency", logY: true,
            yFormat: { DurationText.format(seconds: $0 / 1e6) }, shadeUntil: warmupEnd,
            series: [
                ("p50", "#2b8a3e", r.intervals.map { ($0.elapsed, $0.p50) }),
                ("p90", "#1971c2", r.intervals.map { ($0.elapsed, $0.p90) }),
                ("p99", "#e8590c", r.intervals.map { ($0.elapsed, $0.p99) }),
                ("max", "#c92a2a", r.intervals.map { ($0.elapsed, $0.max) }),
            ]
        ).svg()
        let rateChart = SVGChart(
            title: "Throughput over time", xLabel: "seconds", yLabel: "requests/s", logY: false,
            yFormat: { String(format: "%.0f", $0) }, shadeUntil: warmupEnd,
            series: [
                ("completed/s", "#1971c2", r.intervals.map { ($0.elapsed, $0.rate) }),
                ("errors/s", "#c92a2a", r.intervals.map { ($0.elapsed, Double($0.errors)) }),
            ]
        ).svg()
        let spectrum = r.spectrum.filter { $0.percentile < 100 }
        let spectrumChart = SVGChart(
            title: "Latency by percentile (measured window)", xLabel: "percentile", yLabel: "latency", logY: false,
            yFormat: { DurationText.format(seconds: $0 / 1e6) }, shadeUntil: nil,
            series: [("latency", "#5f3dc4", spectrum.map { (log10(1 / (1 - $0.percentile / 100)), $0.micros) })],
            xTicks: [(0, "0%"), (1, "90%"), (2, "99%"), (3, "99.9%"), (4, "99.99%"), (5, "99.999%")]
        ).svg()

        func us(_ v: Double) -> String { DurationText.format(seconds: v / 1e6) }
        var rows = ""
        var summaries = r.operations.keys.sorted().map { ($0, r.operations[$0]!) }
        if summaries.count > 1 { summaries.append(("all", r.total)) }
        for (name, s) in summaries {
            rows +=
                "<tr><td>\(escape(name))</td><td>\(s.completed)</td><td>\(String(format: "%.0f", s.throughput))</td>"
                + "<td>\(s.errors)</td><td>\(us(s.latency.p50))</td><td>\(us(s.latency.p90))</td><td>\(us(s.latency.p99))</td>"
                + "<td>\(us(s.latency.p999))</td><td>\(us(s.latency.p9999))</td><td>\(us(s.latency.max))</td></tr>\n"
        }
        var errors = ""
        for e in r.errors.prefix(20) {
            errors +=
                "<tr><td>\(e.count)</td><td>\(escape(e.operation))</td><td>\(escape(e.code))</td><td>\(escape(e.message))</td></tr>\n"
        }
        let warnings = r.warnings.map { "<p class=warn>⚠ \(escape($0))</p>" }.joined(separator: "\n")
        let model =
            c.model == "open"
            ? "open loop, \(c.arrival ?? "") arrivals at \(String(format: "%.0f", c.rate ?? 0))/s\(c.stages.isEmpty ? "" : " with \(c.stages.count) ramp stage(s)"), at most \(c.maxInFlight ?? 0) in flight"
            : "closed loop, concurrency \(c.concurrency ?? 0)"
        return """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8">
            <title>sharewire-load: \(escape(c.scenario))</title>
            <style>
            body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#212529;max-width:1100px}
            h1{font-size:20px;margin:0 0 4px} .sub{color:#495057;margin:0 0 16px}
            table{border-collapse:collapse;margin:8px 0 16px} td,th{padding:3px 10px;border-bottom:1px solid #dee2e6;text-align:right}
            td:first-child,th:first-child{text-align:left} th{background:#f1f3f5}
            .warn{color:#c92a2a;font-weight:600} .charts svg{display:block;margin:8px 0 20px;border:1px solid #dee2e6;background:#fff}
            </style></head><body>
            <h1>sharewire-load — \(escape(c.scenario)) (\(escape(c.mix)))</h1>
            <p class=sub>\(escape(c.target)) · \(escape(model)) · \(c.connections) connection(s) · measured \(String(format: "%.2f", r.measuredSeconds)) s after \(c.warmupSeconds) s warm-up · \(escape(r.startedAt))\(r.interrupted ? " · <b>interrupted</b>" : "")</p>
            \(warnings)
            <table><tr><th>operation</th><th>requests</th><th>rate/s</th><th>errors</th><th>p50</th><th>p90</th><th>p99</th><th>p99.9</th><th>p99.99</th><th>max</th></tr>
            \(rows)</table>
            <p>Sends: \(r.sends.sent) sent, \(r.sends.late) late (&gt;1 ms), \(r.sends.capped) held by the in-flight cap, \(r.sends.missed) missed. Tool CPU \(String(format: "%.2f", r.cpu.toolMicrosPerRequest)) µs/request\(r.cpu.serverMicrosPerRequest.map { String(format: ", server %.2f µs/request", $0) } ?? ""). Measured intervals: \(measured.count).</p>
            <div class=charts>
            \(latencyChart)
            \(rateChart)
            \(spectrumChart)
            </div>
            \(errors.isEmpty ? "" : "<h2>Errors</h2><table><tr><th>count</th><th>operation</th><th>code</th><th>message</th></tr>\n\(errors)</table>")
            </body></html>
            """
    }

    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}

/// A small line chart drawn as inline SVG.
struct SVGChart {
    var title: String
    var xLabel: String
    var yLabel: String
    var logY: Bool
    var yFormat: (Double) -> String
    /// A shaded band from x = 0 to this (the warm-up).
    var shadeUntil: Double?
    var series: [(name: String, color: String, points: [(Double, Double)])]
    var xTicks: [(Double, String)]? = nil

    let width = 1000.0, height = 320.0
    let left = 80.0, right = 130.0, top = 36.0, bottom = 44.0

    /// 1, 2 or 5 times a power of ten, at least `raw`.
    static func niceStep(_ raw: Double) -> Double {
        guard raw > 0, raw.isFinite else { return 1 }
        let power = pow(10, floor(log10(raw)))
        for factor in [1.0, 2, 5, 10] where factor * power >= raw { return factor * power }
        return 10 * power
    }

    func svg() -> String {
        let all = series.flatMap(\.points).filter { $0.1.isFinite && $0.0.isFinite }
        var out =
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\">"
        out += "<text x=\"\(left)\" y=\"22\" font-size=\"15\" font-weight=\"600\">\(HTMLReport.escape(title))</text>"
        guard !all.isEmpty else { return out + "<text x=\"\(left)\" y=\"120\">no data</text></svg>" }
        let xMin = xTicks?.first?.0 ?? 0
        let xMax = Swift.max(all.map(\.0).max()!, xTicks?.last?.0 ?? 0, xMin + 1e-9)
        let positive = all.map(\.1).filter { $0 > 0 }
        let rawMax = Swift.max(all.map(\.1).max()!, 1e-9)
        let (yLow, yHigh): (Double, Double) =
            logY
            ? (
                pow(10, floor(log10(positive.min() ?? 1))),
                pow(10, ceil(log10(Swift.max(rawMax, (positive.min() ?? 1) * 10))))
            )
            : (0, SVGChart.niceStep(rawMax * 1.05 / 5) * 5)
        let plotW = width - left - right, plotH = height - top - bottom
        func px(_ x: Double) -> Double { left + (x - xMin) / (xMax - xMin) * plotW }
        func py(_ y: Double) -> Double {
            let f =
                logY
                ? (log10(Swift.max(y, yLow)) - log10(yLow)) / (log10(yHigh) - log10(yLow)) : (y - yLow) / (yHigh - yLow)
            return top + plotH - f * plotH
        }
        if let shade = shadeUntil, shade > xMin {
            out +=
                "<rect x=\"\(px(xMin))\" y=\"\(top)\" width=\"\(px(Swift.min(shade, xMax)) - px(xMin))\" height=\"\(plotH)\" fill=\"#f1f3f5\"/>"
            out += "<text x=\"\(px(xMin) + 4)\" y=\"\(top + 14)\" font-size=\"11\" fill=\"#868e96\">warm-up</text>"
        }
        // Grid and y labels.
        var yTicks: [Double] = []
        if logY {
            var t = yLow
            while t <= yHigh * 1.0001 {
                yTicks.append(t)
                t *= 10
            }
        } else {
            yTicks = (0...5).map { yLow + (yHigh - yLow) * Double($0) / 5 }
        }
        for t in yTicks {
            out += "<line x1=\"\(left)\" x2=\"\(left + plotW)\" y1=\"\(py(t))\" y2=\"\(py(t))\" stroke=\"#e9ecef\"/>"
            out +=
                "<text x=\"\(left - 6)\" y=\"\(py(t) + 4)\" font-size=\"11\" text-anchor=\"end\">\(HTMLReport.escape(yFormat(t)))</text>"
        }
        let xStep = SVGChart.niceStep((xMax - xMin) / 6)
        let ticks =
            xTicks
            ?? stride(from: xMin, through: xMax, by: xStep).map { x -> (Double, String) in
                (x, xStep >= 1 ? String(format: "%.0f", x) : String(format: "%.1f", x))
            }
        for (x, label) in ticks {
            out += "<line x1=\"\(px(x))\" x2=\"\(px(x))\" y1=\"\(top)\" y2=\"\(top + plotH)\" stroke=\"#e9ecef\"/>"
            out +=
                "<text x=\"\(px(x))\" y=\"\(top + plotH + 16)\" font-size=\"11\" text-anchor=\"middle\">\(HTMLReport.escape(label))</text>"
        }
        out +=
            "<rect x=\"\(left)\" y=\"\(top)\" width=\"\(plotW)\" height=\"\(plotH)\" fill=\"none\" stroke=\"#adb5bd\"/>"
        out +=
            "<text x=\"\(left + plotW / 2)\" y=\"\(height - 8)\" font-size=\"12\" text-anchor=\"middle\">\(HTMLReport.escape(xLabel))</text>"
        out +=
            "<text x=\"16\" y=\"\(top + plotH / 2)\" font-size=\"12\" text-anchor=\"middle\" transform=\"rotate(-90 16 \(top + plotH / 2))\">\(HTMLReport.escape(yLabel))</text>"
        for (i, s) in series.enumerated() {
            let points = s.points.filter { $0.0.isFinite && $0.1.isFinite }
                .map { String(format: "%.1f,%.1f", px($0.0), py($0.1)) }.joined(separator: " ")
            out += "<polyline fill=\"none\" stroke=\"\(s.color)\" stroke-width=\"2\" points=\"\(points)\"/>"
            let ly = top + 14 + Double(i) * 18
            out +=
                "<line x1=\"\(left + plotW + 12)\" x2=\"\(left + plotW + 32)\" y1=\"\(ly - 4)\" y2=\"\(ly - 4)\" stroke=\"\(s.color)\" stroke-width=\"3\"/>"
            out += "<text x=\"\(left + plotW + 38)\" y=\"\(ly)\" font-size=\"12\">\(HTMLReport.escape(s.name))</text>"
        }
        return out + "</svg>"
    }
}
