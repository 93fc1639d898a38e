#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Time-limited shares on the command line: `--for 2h` / `--until
/// 2027-01-31T12:00Z` in, "time left" out (docs/CLI.md, "Time-limited shares").
public enum ShareExpirySyntax {
    /// The expiry `--for` or `--until` asks for, or `nil` when neither is given.
    ///
    /// - `--for`: a duration of whole units, largest first, e.g. `90s`, `45m`,
    ///   `2h`, `1h30m`, `7d`; at most 3,650 days (the server's default limit).
    /// - `--until`: an ISO 8601 instant with a zone, seconds optional:
    ///   `2027-01-31T12:00Z`, `2027-01-31T12:00:30+09:00`.
    public static func expiry(for duration: String?, until instant: String?, now: Date) throws(CLIError) -> Date? {
        switch (duration, instant) {
        case (nil, nil): return nil
        case (.some, .some):
            throw CLIError(.usage, "give --for or --until, not both")
        case let (duration?, nil):
            return now.addingTimeInterval(try seconds(duration))
        case let (nil, instant?):
            guard let date = self.instant(instant) else {
                throw CLIError(
                    .usage, "--until must be an ISO 8601 time with a zone such as 2027-01-31T12:00Z, not '\(instant)'")
            }
            return date
        }
    }

    /// Longest `--for`: the server's default share lifetime.
    public static let maxDays = 3_650

    /// `1h30m` → 5400. Units d, h, m, s, each at most once, largest first.
    public static func seconds(_ text: String) throws(CLIError) -> TimeInterval {
        let units: [(Character, Int64)] = [("d", 86_400), ("h", 3_600), ("m", 60), ("s", 1)]
        var total: Int64 = 0
        var number: Int64?
        var next = 0  // units must come in order, each once
        for c in text {
            if let digit = c.wholeNumberValue, c.isASCII {
                let (times10, o1) = (number ?? 0).multipliedReportingOverflow(by: 10)
                let (sum, o2) = times10.addingReportingOverflow(Int64(digit))
                guard !o1, !o2, sum <= Int64(maxDays) * 86_400 else { throw tooLong(text) }
                number = sum
                continue
            }
            guard let n = number, let index = units[next...].firstIndex(where: { $0.0 == c }) else {
                throw badDuration(text)
            }
            total += n * units[index].1
            number = nil
            next = index + 1
            guard total <= Int64(maxDays) * 86_400 else { throw tooLong(text) }
        }
        guard number == nil, total > 0 else { throw badDuration(text) }
        return TimeInterval(total)
    }

    private static func badDuration(_ text: String) -> CLIError {
        CLIError(.usage, "--for must be a duration such as 90s, 45m, 2h, 1h30m or 7d, not '\(text)'")
    }

    private static func tooLong(_ text: String) -> CLIError {
        CLIError(.usage, "--for '\(text)' is longer than \(maxDays) days")
    }

    /// `YYYY-MM-DDTHH:MM[:SS[.fff]]` then `Z` or `±HH:MM`; `nil` if malformed.
    public static func instant(_ text: String) -> Date? {
        let b = Array(text.utf8)
        var i = 0
        func digits(_ n: Int) -> Int? {
            guard i + n <= b.count else { return nil }
            var v = 0
            for k in i..<(i + n) {
                guard b[k] >= 48 && b[k] <= 57 else { return nil }
                v = v * 10 + Int(b[k] - 48)
            }
            i += n
            return v
        }
        func expect(_ c: UInt8) -> Bool {
            guard i < b.count, b[i] == c else { return false }
            i += 1
            return true
        }
        guard let year = digits(4), expect(45), let month = digits(2), expect(45), let day = digits(2),
            i < b.count, b[i] == 84 || b[i] == 116
        else { return nil }  // T or t
        i += 1
        guard let hour = digits(2), expect(58), let minute = digits(2) else { return nil }
        var second = 0
        var fraction = 0.0
        if expect(58) {
            guard let s = digits(2) else { return nil }
            second = s
            if expect(46) {
                var scale = 0.1
                let start = i
                while i < b.count, b[i] >= 48, b[i] <= 57 {
                    fraction += Double(b[i] - 48) * scale
                    scale /= 10
                    i += 1
                }
                guard i > start else { return nil }
            }
        }
        var offset = 0
        if expect(90) || expect(122) {  // Z or z
        } else if i < b.count, b[i] == 43 || b[i] == 45 {  // + or -
            let sign = b[i] == 45 ? -1 : 1
            i += 1
            guard let oh = digits(2), expect(58), let om = digits(2), oh < 24, om < 60 else { return nil }
            offset = sign * (oh * 3_600 + om * 60)
        } else {
            return nil
        }
        guard i == b.count, (1...12).contains(month), (1...daysIn(month, year)).contains(day),
            hour < 24, minute < 60, second < 60
        else { return nil }
        let days = daysFromCivil(year, month, day)
        let seconds = Double(days * 86_400 + hour * 3_600 + minute * 60 + second - offset) + fraction
        return Date(timeIntervalSince1970: seconds)
    }

    private static func daysIn(_ month: Int, _ year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
    private static func daysFromCivil(_ year: Int, _ month: Int, _ day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// The time left until `expiry` at `now`, as the lists show it: `2d3h`,
    /// `1h59m`, `4m10s`, `45s`; `expired` at or after it; empty for none.
    public static func timeLeft(_ expiry: Date?, now: Date) -> String {
        guard let expiry else { return "" }
        let left = Int64(expiry.timeIntervalSince(now).rounded(.up))
        guard left > 0 else { return "expired" }
        let (d, h, m, s) = (left / 86_400, left % 86_400 / 3_600, left % 3_600 / 60, left % 60)
        if d > 0 { return h > 0 ? "\(d)d\(h)h" : "\(d)d" }
        if h > 0 { return m > 0 ? "\(h)h\(m)m" : "\(h)h" }
        if m > 0 { return s > 0 ? "\(m)m\(s)s" : "\(m)m" }
        return "\(s)s"
    }
}
