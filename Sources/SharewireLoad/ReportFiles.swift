import Foundation

/// Where a run's reports go, and writing them.
public struct ReportFiles: Sendable {
    public var json: String?
    public var csv: String?
    public var hgrm: String?
    public var html: String?

    public init(json: String? = nil, csv: String? = nil, hgrm: String? = nil, html: String? = nil) {
        self.json = json
        self.csv = csv
        self.hgrm = hgrm
        self.html = html
    }

    /// Writes every requested file; returns the paths written.
    @discardableResult
    public func write(_ report: RunReport, histogram: LatencyHistogram) throws -> [String] {
        var written: [String] = []
        func put(_ path: String?, _ data: @autoclosure () throws -> Data) throws {
            guard let path else { return }
            try data().write(to: URL(fileURLWithPath: path))
            written.append(path)
        }
        try put(json, try report.encoded())
        try put(csv, Data(TextReports.csv(report).utf8))
        try put(hgrm, Data(TextReports.hgrm(histogram).utf8))
        try put(html, Data(HTMLReport.render(report).utf8))
        return written
    }
}
