#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// A point in time: milliseconds since the Unix epoch, UTC.
///
/// An integer rather than `Foundation.Date` so the domain needs no Foundation
/// and the value stores exactly in SQLite's INTEGER.
public struct Timestamp: Hashable, Comparable, Sendable, CustomStringConvertible, Codable {
    public let millisecondsSinceEpoch: Int64
    public init(millisecondsSinceEpoch: Int64) { self.millisecondsSinceEpoch = millisecondsSinceEpoch }
    public static func < (a: Timestamp, b: Timestamp) -> Bool { a.millisecondsSinceEpoch < b.millisecondsSinceEpoch }
    public var description: String { "\(millisecondsSinceEpoch)ms" }

    /// The wall clock now (`CLOCK_REALTIME`).
    public static func now() -> Timestamp {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Timestamp(millisecondsSinceEpoch: Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000)
    }
}
