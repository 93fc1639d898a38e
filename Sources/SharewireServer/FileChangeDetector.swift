#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Decides when watched files (a TLS certificate, its key, the service-key
/// files) have changed enough to reload them, from successive looks at their
/// metadata. Pure: ``observe(_:)`` takes what a poll saw, so it is tested
/// without files or time.
///
/// A reload happens when the files differ from what was last loaded **and**
/// have not changed since the previous poll: a certificate renewal writes the
/// certificate and the key one after the other, and reloading between the two
/// would fail on a mismatched pair. Comparing whole fingerprints (device,
/// inode, size, modification time to the nanosecond) catches an in-place
/// write and an atomic rename alike, and a Kubernetes secret volume's symlink
/// swap (the fingerprint follows links).
public struct FileChangeDetector: Sendable {
    /// What `stat(2)` says of a file that matters for "has it changed".
    public struct Fingerprint: Sendable, Hashable {
        public var device: UInt64
        public var inode: UInt64
        public var size: Int64
        public var modifiedSeconds: Int64
        public var modifiedNanoseconds: Int64

        public init(device: UInt64, inode: UInt64, size: Int64, modifiedSeconds: Int64, modifiedNanoseconds: Int64) {
            self.device = device
            self.inode = inode
            self.size = size
            self.modifiedSeconds = modifiedSeconds
            self.modifiedNanoseconds = modifiedNanoseconds
        }

        /// The file's fingerprint, following symbolic links; `nil` when it
        /// cannot be read (missing, no permission): that is a state too.
        public static func of(_ path: String) -> Fingerprint? {
            var info = stat()
            guard stat(path, &info) == 0 else { return nil }
            #if canImport(Darwin)
                let mtime = info.st_mtimespec
            #else
                let mtime = info.st_mtim
            #endif
            return Fingerprint(
                device: UInt64(info.st_dev), inode: UInt64(info.st_ino), size: Int64(info.st_size),
                modifiedSeconds: Int64(mtime.tv_sec), modifiedNanoseconds: Int64(mtime.tv_nsec))
        }
    }

    /// Fingerprints by path; a path maps to `nil` when it could not be read.
    public typealias Snapshot = [String: Fingerprint?]

    private var loaded: Snapshot
    private var previous: Snapshot

    /// - Parameter loaded: the files as they were when last loaded (at start).
    public init(loaded: Snapshot) {
        self.loaded = loaded
        self.previous = loaded
    }

    /// Takes one poll's view; returns the paths that changed since the last
    /// load when it is time to reload them (they are then the loaded state),
    /// or an empty list.
    public mutating func observe(_ now: Snapshot) -> [String] {
        defer { previous = now }
        guard now != loaded, now == previous else { return [] }
        let changed = now.keys.filter { now[$0] != loaded[$0] }.sorted()
        loaded = now
        return changed
    }

    /// The fingerprints of `paths` now.
    public static func look(at paths: [String]) -> Snapshot {
        Dictionary(uniqueKeysWithValues: paths.map { ($0, Fingerprint.of($0)) })
    }
}
