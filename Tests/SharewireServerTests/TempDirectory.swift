import Foundation

/// A fresh directory under the system's temp dir, removed by `remove()`.
struct TempDirectory: Sendable {
    let path: String

    init(_ prefix: String = "sharewire-server-test") throws {
        let base = FileManager.default.temporaryDirectory.path
        path = "\(base)/\(prefix)-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func file(_ name: String) -> String { "\(path)/\(name)" }

    func remove() {
        try? FileManager.default.removeItem(atPath: path)
    }
}
