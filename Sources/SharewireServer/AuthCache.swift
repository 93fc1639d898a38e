import SharingDomain
import Synchronization

/// Remembers which account recently presented API keys belong to, so the
/// hot path does not hash every key again (SHA-256 was about half of an
/// authenticated Check's CPU; docs/SERVER.md §9).
///
/// A fixed-size, direct-mapped table: the slot is the key's hash under the
/// process's random seed, so its size and memory are bounded whatever
/// callers send, and only keys that authenticated are ever stored. A hit is
/// accepted only if the cached key equals the presented one (compared in
/// constant time) and the snapshot still has that key (unrevoked) with the
/// same digest, so a revoked key stops working on its next call, on every
/// connection.
///
/// Trade-off: up to `capacity` plaintext keys live in memory (they pass
/// through every request anyway). Capacity 0 disables the cache.
final class AuthCache: Sendable {
    private struct Entry {
        let key: [UInt8]
        let id: APIKeyID
        let digest: APIKeyHash
        /// The minute (``APIKeyUsage/resolutionMs``) of the last use passed on
        /// to be noted, so that a hit notes at most once a minute without
        /// taking the usage lock on every call.
        var notedMinute: Int64
    }

    private let slots: Mutex<[Entry?]>
    /// False with capacity 0: every key is hashed (SHA-256) and looked up.
    let isEnabled: Bool
    /// 64 − log2(slot count): the slot is the hash's top bits.
    private let shift: UInt64
    private let seed = UInt64.random(in: .min ... .max) | 1

    /// - Parameter capacity: rounded up to a power of two; 0 disables caching.
    init(capacity: Int) {
        var size = 0
        if capacity > 0 {
            size = 1
            while size < capacity { size <<= 1 }
        }
        slots = Mutex(Array(repeating: nil, count: size))
        isEnabled = size > 0
        shift = UInt64(64 - max(size, 1).trailingZeroBitCount)
    }

    /// The unrevoked API key `key` is in `snapshot`, or `nil` (unknown or
    /// revoked); `noteUse` says whether this use (at the snapshot's time)
    /// starts a new minute for the key, so its use should be noted (always
    /// true without a cache).
    func authenticate(_ key: Substring, in snapshot: SharingSnapshots.Snapshot) -> (
        record: APIKeyRecord, noteUse: Bool
    )? {
        guard isEnabled else { return snapshot.authenticateKey(key).map { ($0, true) } }
        let slot = Int(truncatingIfNeeded: slotHash(key) >> shift)
        let cached = slots.withLock { $0[slot] }
        if let cached, Self.equal(cached.key, key), let record = snapshot.apiKey(cached.id, digest: cached.digest) {
            let minute = snapshot.now.millisecondsSinceEpoch / APIKeyUsage.resolutionMs
            guard cached.notedMinute != minute else { return (record, false) }
            // Once a minute per key: mark it, unless the slot changed meanwhile.
            slots.withLock { if $0[slot]?.id == cached.id { $0[slot]?.notedMinute = minute } }
            return (record, true)
        }
        guard let record = snapshot.authenticateKey(key) else { return nil }
        let minute = snapshot.now.millisecondsSinceEpoch / APIKeyUsage.resolutionMs
        let entry = Entry(key: Array(key.utf8), id: record.id, digest: record.hash, notedMinute: minute)
        slots.withLock { $0[slot] = entry }
        return (record, true)
    }

    /// The slot's hash, from the key's last 8 bytes mixed with a
    /// per-process random seed. A key's last 8 bytes are 8 hex digits of
    /// CSPRNG output (32 random bits), so it needs no hashing of the whole key (SipHash,
    /// then FNV over the key, each cost 2–3% of a Check). Presented keys are
    /// the caller's choice, but only keys that authenticated are stored: keys
    /// made to collide can only evict each other's slot (a SHA-256 on the
    /// next use), not reach another account.
    private func slotHash(_ key: Substring) -> UInt64 {
        func mix(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
            var tail: UInt64 = 0
            let count = bytes.count
            for i in max(0, count - 8)..<count { tail = tail << 8 | UInt64(bytes[i]) }
            // Fibonacci hashing: the product's high bits depend on every bit.
            return (tail ^ seed) &* 0x9E37_79B9_7F4A_7C15
        }
        return key.utf8.withContiguousStorageIfAvailable(mix) ?? Array(key.utf8).withUnsafeBufferPointer(mix)
    }

    /// Constant time in the bytes compared (length is not secret: keys have one).
    /// Compares over the string's contiguous UTF-8 storage when it has one
    /// (native strings always do): walking `Substring.UTF8View` index by index
    /// cost about 2.5% of an authenticated Check's server CPU.
    private static func equal(_ stored: [UInt8], _ presented: Substring) -> Bool {
        if let result = presented.utf8.withContiguousStorageIfAvailable({ equal(stored, $0) }) {
            return result
        }
        return Array(presented.utf8).withUnsafeBufferPointer { equal(stored, $0) }
    }

    private static func equal(_ stored: [UInt8], _ presented: UnsafeBufferPointer<UInt8>) -> Bool {
        guard stored.count == presented.count else { return false }
        return stored.withUnsafeBufferPointer { s in
            var diff: UInt8 = 0
            for i in 0..<s.count { diff |= s[i] ^ presented[i] }
            return diff == 0
        }
    }
}
