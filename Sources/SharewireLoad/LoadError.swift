import Foundation

/// A load-tool error with a message for the user.
public struct LoadError: Error, Sendable, CustomStringConvertible, Equatable {
    public let description: String

    public init(_ description: String) { self.description = description }
}

/// Durations written as text: `500ms`, `2s`, `1.5m`, `250us`, `10` (seconds).
public enum DurationText {
    /// Seconds for `text`, or nil when it is not a duration.
    public static func seconds(_ text: String) -> Double? {
        let text = text.trimmingCharacters(in: .whitespaces)
        let units: [(String, Double)] = [
            ("ns", 1e-9), ("us", 1e-6), ("µs", 1e-6), ("ms", 1e-3), ("s", 1), ("m", 60), ("h", 3600),
        ]
        for (suffix, scale) in units where text.hasSuffix(suffix) {
            guard let value = Double(text.dropLast(suffix.count)), value.isFinite, value >= 0 else { return nil }
            return value * scale
        }
        guard let value = Double(text), value.isFinite, value >= 0 else { return nil }
        return value
    }

    /// `seconds` written compactly with a unit, e.g. `812µs`, `1.25ms`, `3.2s`.
    public static func format(seconds: Double) -> String {
        if seconds.isNaN { return "n/a" }
        if seconds >= 1 { return String(format: "%.2fs", seconds) }
        if seconds >= 1e-3 { return String(format: "%.2fms", seconds * 1e3) }
        return String(format: "%.0fµs", seconds * 1e6)
    }
}
