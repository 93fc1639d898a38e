import Foundation
import SharewireServer
import SharewireTestSupport
import Testing

/// The reload-on-file-change decision (docs/SERVER.md §1, "Reloading"),
/// stepped through with fingerprints given, no files and no time.
@Suite struct FileChangeDetectorTests {
    static func print(_ n: Int64, inode: UInt64 = 1) -> FileChangeDetector.Fingerprint {
        FileChangeDetector.Fingerprint(device: 1, inode: inode, size: 100, modifiedSeconds: n, modifiedNanoseconds: 0)
    }

    @Test func aChangeReloadsOnceItHasSettled() {
        var detector = FileChangeDetector(loaded: ["cert": Self.print(1), "key": Self.print(1)])
        #expect(detector.observe(["cert": Self.print(1), "key": Self.print(1)]).isEmpty)  // nothing changed
        // The certificate is written; the key not yet: wait for the next poll.
        #expect(detector.observe(["cert": Self.print(2), "key": Self.print(1)]).isEmpty)
        // The key is written in between: still moving, wait again.
        #expect(detector.observe(["cert": Self.print(2), "key": Self.print(2)]).isEmpty)
        // Unchanged since the last poll: reload both.
        #expect(detector.observe(["cert": Self.print(2), "key": Self.print(2)]) == ["cert", "key"])
        // Loaded now: no second reload for the same files.
        #expect(detector.observe(["cert": Self.print(2), "key": Self.print(2)]).isEmpty)
    }

    @Test func aRenameOrAVanishingFileIsAChangeToo() {
        var detector = FileChangeDetector(loaded: ["cert": Self.print(1)])
        // An atomic rename keeps the time but changes the inode.
        #expect(detector.observe(["cert": Self.print(1, inode: 9)]).isEmpty)
        #expect(detector.observe(["cert": Self.print(1, inode: 9)]) == ["cert"])
        // A missing file is a state: it settles, the reload is tried (and fails, keeping the old).
        #expect(detector.observe(["cert": nil]).isEmpty)
        #expect(detector.observe(["cert": nil]) == ["cert"])
        // Restored: reloaded again.
        #expect(detector.observe(["cert": Self.print(3)]).isEmpty)
        #expect(detector.observe(["cert": Self.print(3)]) == ["cert"])
    }

    @Test func fingerprintsOfRealFilesFollowWritesAndRenames() throws {
        let dir = try TempDirectory("sharewire-fingerprint")
        defer { dir.remove() }
        let path = dir.file("cert.pem")
        #expect(FileChangeDetector.Fingerprint.of(path) == nil)
        try "one".write(toFile: path, atomically: false, encoding: .utf8)
        let first = try #require(FileChangeDetector.Fingerprint.of(path))
        #expect(first.size == 3)
        try "two!".write(toFile: path, atomically: true, encoding: .utf8)  // a rename over it
        let second = try #require(FileChangeDetector.Fingerprint.of(path))
        #expect(second != first && second.size == 4)
        #expect(FileChangeDetector.look(at: [path, dir.file("none")]) == [path: second, dir.file("none"): nil])
    }
}
