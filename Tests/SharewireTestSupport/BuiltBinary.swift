import Foundation

/// The path of an executable product of this package, for tests that run
/// it: `$<environmentVariable>` if set, else `name` next to the test bundle
/// (the build directory `swift build --build-tests` fills), else
/// `.build/debug/<name>` under the package root.
public func builtBinary(named name: String, environmentVariable: String) throws -> String {
    var candidates: [String] = []
    if let explicit = ProcessInfo.processInfo.environment[environmentVariable] { candidates.append(explicit) }
    var dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    for _ in 0..<4 {  // the .xctest bundle may be a directory (macOS) or a file (Linux)
        candidates.append(dir.appendingPathComponent(name).path)
        dir = dir.deletingLastPathComponent()
    }
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    candidates.append(root.appendingPathComponent(".build/debug/\(name)").path)
    for path in candidates where FileManager.default.isExecutableFile(atPath: path) { return path }
    throw ServerProcess.ProcessError(
        description: "\(name) binary not found (build it, or set \(environmentVariable)); looked at \(candidates)")
}
