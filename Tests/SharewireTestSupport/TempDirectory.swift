import Foundation

/// A fresh directory under the system's temp dir, removed by `remove()`.
public struct TempDirectory: Sendable {
    public let path: String

    public init(_ prefix: String = "sharewire-server-test") throws {
        let base = FileManager.default.temporaryDirectory.path
        path = "\(base)/\(prefix)-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    public func file(_ name: String) -> String { "\(path)/\(name)" }

    public func remove() {
        try? FileManager.default.removeItem(atPath: path)
    }
}
