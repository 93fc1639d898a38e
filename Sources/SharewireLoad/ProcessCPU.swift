import Foundation

/// CPU time used by a process (user + system), in microseconds.
public enum ProcessCPU {
    /// This process, from `getrusage` (all threads).
    public static func selfMicroseconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * 1e6
            + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec)
    }

    /// Another process, from `/proc/<pid>/stat` (utime + stime, fields 14 and 15).
    public static func microseconds(pid: Int32) -> Double? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let paren = stat.lastIndex(of: ")")
        else { return nil }
        let fields = stat[stat.index(paren, offsetBy: 2)...].split(separator: " ")
        // fields[0] is field 3 (state); utime is field 14.
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
        return (user + system) * 1e6 / Double(sysconf(Int32(_SC_CLK_TCK)))
    }
}
