import Foundation

/// The server's group-commit counters, read from its Prometheus endpoint
/// (`--metrics`): how many commits the writes took and how long they were.
struct CommitCounters: Sendable {
    var commits: Double
    var writes: Double
    var commitSeconds: Double

    /// Scrapes `GET /metrics` on 127.0.0.1:`port` (blocking, 2 s timeout); nil on any failure.
    static func scrape(port: Int) -> CommitCounters? {
        guard let text = httpGet(port: port, path: "/metrics") else { return nil }
        var values: [String: Double] = [:]
        for line in text.split(separator: "\n") where line.hasPrefix("sharewire_commit_") {
            let parts = line.split(separator: " ")
            // Unlabelled series only: "name value".
            if parts.count == 2, let value = Double(parts[1]) { values[String(parts[0])] = value }
        }
        guard let commits = values["sharewire_commit_batch_writes_count"],
            let writes = values["sharewire_commit_batch_writes_sum"]
        else { return nil }
        return CommitCounters(
            commits: commits, writes: writes,
            commitSeconds: values["sharewire_commit_duration_seconds_sum"] ?? .nan)
    }

    private static func httpGet(port: Int, path: String) -> String? {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var timeout = timeval(tv_sec: 2, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else { return nil }
        let request = Array("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".utf8)
        guard request.withUnsafeBytes({ send(fd, $0.baseAddress, $0.count, 0) }) == request.count else { return nil }
        var response: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        // Bounded: at most 16 MiB, and each read times out after 2 s.
        while response.count < 16 << 20 {
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 { break }
            response.append(contentsOf: chunk[..<n])
        }
        return String(decoding: response, as: UTF8.self)
    }
}
