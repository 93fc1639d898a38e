import Foundation

/// CPU time a process has used, in microseconds (user + system).
enum ProcessCPU {
    /// Reads `/proc/<pid>/stat` fields 14 and 15 (utime, stime, in clock ticks).
    static func microseconds(pid: Int32) -> Double? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = text.lastIndex(of: ")") else { return nil }
        // Fields after the parenthesised command name start at field 3.
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count > 13, let utime = Double(fields[11]), let stime = Double(fields[12]) else { return nil }
        let ticksPerSecond = Double(sysconf(Int32(_SC_CLK_TCK)))
        return (utime + stime) / ticksPerSecond * 1_000_000
    }

    /// This process's own CPU time, from getrusage.
    static func selfMicroseconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        func micros(_ t: timeval) -> Double { Double(t.tv_sec) * 1_000_000 + Double(t.tv_usec) }
        return micros(usage.ru_utime) + micros(usage.ru_stime)
    }
}
