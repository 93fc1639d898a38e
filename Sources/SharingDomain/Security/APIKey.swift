/// The stored form of an API key: its SHA-256 digest.
///
/// A plain hash (no salt, no stretching) is enough because the key is 256
/// random bits, not a password: there is nothing to brute-force.
public struct APIKeyHash: Hashable, Sendable, CustomStringConvertible {
    /// 32 bytes.
    public let bytes: [UInt8]
    public init?(bytes: [UInt8]) {
        guard bytes.count == 32 else { return nil }
        self.bytes = bytes
    }
    public var description: String { "sha256:\(Hex.encode(bytes.prefix(4)))…" }

    /// Compares in time independent of where the digests differ.
    public func constantTimeEquals(_ other: APIKeyHash) -> Bool {
        var diff: UInt8 = 0
        for i in 0..<32 { diff |= bytes[i] ^ other.bytes[i] }
        return diff == 0
    }
}

extension APIKeyHash: Codable {
    /// Decoding keeps the 32-byte invariant: a bad entry is an error, not a hash.
    public init(from decoder: any Decoder) throws {
        let bytes = try decoder.singleValueContainer().decode([UInt8].self)
        guard let hash = APIKeyHash(bytes: bytes) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not 32 bytes"))
        }
        self = hash
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(bytes)
    }
}

/// API keys: `sw_` followed by 64 lower-case hex digits (256 random bits).
public enum APIKey {
    /// The prefix every key starts with, so leaked keys are easy to scan for.
    public static let prefix = "sw_"
    /// Exact length of a key.
    public static let length = 3 + 64

    /// A new random key from the system's CSPRNG. Show it once; store only ``hash(_:)``.
    public static func generate() -> String {
        var rng = SystemRandomNumberGenerator()
        var bytes: [UInt8] = []
        bytes.reserveCapacity(32)
        for _ in 0..<4 {
            let word = rng.next() as UInt64
            for shift in stride(from: 0, to: 64, by: 8) {
                bytes.append(UInt8(truncatingIfNeeded: word >> UInt64(shift)))
            }
        }
        return prefix + Hex.encode(bytes)
    }

    /// Whether `key` has the shape of a key (prefix, length, hex).
    public static func isWellFormed(_ key: some StringProtocol) -> Bool {
        guard key.utf8.count == length, key.hasPrefix(prefix) else { return false }
        // Checked in place: this runs on every authenticated call, and decoding
        // would allocate.
        return key.utf8.withContiguousStorageIfAvailable { hexDigits($0.dropFirst(prefix.utf8.count)) }
            ?? hexDigits(Array(key.utf8).dropFirst(prefix.utf8.count))
    }

    private static func hexDigits(_ bytes: Slice<UnsafeBufferPointer<UInt8>>) -> Bool {
        bytes.allSatisfy(isHexDigit)
    }

    private static func hexDigits(_ bytes: ArraySlice<UInt8>) -> Bool {
        bytes.allSatisfy(isHexDigit)
    }

    @inline(__always)
    private static func isHexDigit(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "f"),
            UInt8(ascii: "A")...UInt8(ascii: "F"):
            return true
        default:
            return false
        }
    }

    /// The SHA-256 of the key's UTF-8 bytes.
    public static func hash(_ key: some StringProtocol) -> APIKeyHash {
        APIKeyHash(bytes: SHA256.hash(key.utf8))!  // SHA-256 always yields 32 bytes.
    }
}
