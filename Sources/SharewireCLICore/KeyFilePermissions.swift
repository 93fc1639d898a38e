/// The warning for a file that holds a key and that other users may read.
public enum KeyFilePermissions {
    /// `warning: …` with the fix, or `nil` when only the owner may read or
    /// write the file (`mode & 0o077 == 0`).
    public static func warning(path: String, mode: UInt32, holds: String) -> String? {
        guard mode & 0o077 != 0 else { return nil }
        let octal = String(mode & 0o777, radix: 8)
        return "warning: \(path) holds \(holds) and other users may read it (mode 0\(octal)); run: chmod 600 \(path)"
    }
}
