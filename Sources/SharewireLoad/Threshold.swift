import Foundation

/// A pass/fail condition on a report, e.g. `p99>5ms`, `errors>0.1%`,
/// `rate<1000`: the run *fails* when the condition holds (it reads as
/// "fail if …"). Used by `--fail-if` to make a run a CI gate.
public struct Threshold: Sendable, Equatable, CustomStringConvertible {
    /// What is compared.
    public enum Metric: String, Sendable, CaseIterable {
        case p50, p90, p99
        case p999 = "p99.9"
        case p9999 = "p99.99"
        case max, mean
        /// Errors: a count, or a percentage of completed requests when written with `%`.
        case errors
        case timeouts
        /// Completed requests per second.
        case rate
        /// Sends that were due but never went out.
        case missed
        /// The tool's own CPU per request, in µs.
        case cpu
    }

    public enum Comparison: String, Sendable, CaseIterable {
        case greaterOrEqual = ">="
        case lessOrEqual = "<="
        case greater = ">"
        case less = "<"
    }

    public var metric: Metric
    /// Restricts the check to one operation (`check.p99>1ms`); nil for all.
    public var operation: String?
    public var comparison: Comparison
    /// Latencies in µs, rates per second, counts, or a fraction when `percent`.
    public var value: Double
    public var percent: Bool
    public let text: String

    public var description: String { text }

    /// Parses `[OPERATION.]METRIC(>|>=|<|<=)VALUE[UNIT]`; latency units ns, us, µs, ms, s (default ms).
    public init(parsing text: String) throws(LoadError) {
        self.text = text
        let spec = text.replacingOccurrences(of: " ", with: "")
        guard let comparison = Comparison.allCases.first(where: { spec.contains($0.rawValue) }),
            let range = spec.range(of: comparison.rawValue)
        else {
            throw LoadError("threshold '\(text)' has no comparison (>, >=, <, <=); e.g. 'p99>5ms' or 'errors>0.1%'")
        }
        self.comparison = comparison
        var name = String(spec[..<range.lowerBound]).lowercased()
        var valueText = String(spec[range.upperBound...])
        operation = nil
        if let dot = name.firstIndex(of: "."), Metric(rawValue: name) == nil {
            let op = String(name[..<dot])
            guard OperationKind(name: op) != nil else {
                throw LoadError("threshold '\(text)': unknown operation '\(op)'")
            }
            operation = op
            name = String(name[name.index(after: dot)...])
        }
        guard let metric = Metric(rawValue: name) else {
            throw LoadError(
                "threshold '\(text)': unknown metric '\(name)'; known: "
                    + Metric.allCases.map(\.rawValue).joined(separator: ", "))
        }
        self.metric = metric
        percent = valueText.hasSuffix("%")
        if percent { valueText.removeLast() }
        switch metric {
        case .p50, .p90, .p99, .p999, .p9999, .max, .mean:
            guard !percent else { throw LoadError("threshold '\(text)': a latency cannot be a percentage") }
            let withUnit = valueText.last?.isNumber == true ? valueText + "ms" : valueText
            guard let seconds = DurationText.seconds(withUnit) else {
                throw LoadError("threshold '\(text)': '\(valueText)' is not a duration (e.g. 5ms, 800us, 1.5s)")
            }
            value = seconds * 1e6
        case .errors, .timeouts, .rate, .missed, .cpu:
            guard let number = Double(valueText), number.isFinite, number >= 0 else {
                throw LoadError("threshold '\(text)': '\(valueText)' is not a number")
            }
            guard !percent || metric == .errors || metric == .timeouts else {
                throw LoadError("threshold '\(text)': only errors and timeouts can be a percentage")
            }
            value = percent ? number / 100 : number
        }
    }

    /// The measured value this threshold compares, from `report`.
    public func measured(in report: RunReport) -> Double? {
        let summary: RunReport.OperationSummary
        if let operation {
            guard let s = report.operations[operation] else { return nil }
            summary = s
        } else {
            summary = report.total
        }
        let count = Double(summary.completed)
        switch metric {
        case .p50: return summary.latency.p50
        case .p90: return summary.latency.p90
        case .p99: return summary.latency.p99
        case .p999: return summary.latency.p999
        case .p9999: return summary.latency.p9999
        case .max: return summary.latency.max
        case .mean: return summary.latency.mean
        case .errors: return percent ? (count > 0 ? Double(summary.errors) / count : 0) : Double(summary.errors)
        case .timeouts: return percent ? (count > 0 ? Double(summary.timeouts) / count : 0) : Double(summary.timeouts)
        case .rate: return summary.throughput
        case .missed: return Double(report.sends.missed)
        case .cpu: return report.cpu.toolMicrosPerRequest
        }
    }

    /// A message when the condition holds (the gate fails), else nil. A
    /// threshold on an operation the run did not make fails too.
    public func violation(in report: RunReport) -> String? {
        guard let measured = measured(in: report) else {
            return "\(text): the run has no '\(operation ?? "")' operation"
        }
        let holds: Bool
        switch comparison {
        case .greater: holds = measured > value
        case .greaterOrEqual: holds = measured >= value
        case .less: holds = measured < value
        case .lessOrEqual: holds = measured <= value
        }
        guard holds else { return nil }
        return "\(text): measured \(format(measured))"
    }

    private func format(_ v: Double) -> String {
        switch metric {
        case .p50, .p90, .p99, .p999, .p9999, .max, .mean: return DurationText.format(seconds: v / 1e6)
        case .errors, .timeouts: return percent ? String(format: "%.3f%%", v * 100) : String(format: "%.0f", v)
        case .rate: return String(format: "%.1f/s", v)
        case .missed: return String(format: "%.0f", v)
        case .cpu: return String(format: "%.2f µs/request", v)
        }
    }
}
