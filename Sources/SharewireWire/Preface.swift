import NIOCore

/// The 8-byte connection preface each peer sends first: `SHWR\r\n`, then the
/// major and minor protocol versions.
///
/// Magic bytes let a server drop a stray HTTP or TLS client before it parses
/// any length field; the version pair makes incompatible peers fail loudly.
public struct Preface: Sendable, Hashable {
    /// Size of the encoded preface in bytes.
    public static let size = 8
    /// `S H W R \r \n`.
    public static let magic: [UInt8] = [0x53, 0x48, 0x57, 0x52, 0x0D, 0x0A]
    /// The version this implementation speaks.
    public static let current = Preface(major: 1, minor: 0)

    public var major: UInt8
    public var minor: UInt8

    @inlinable
    public init(major: UInt8, minor: UInt8) {
        self.major = major
        self.minor = minor
    }

    /// Appends the encoded preface to `buffer`.
    public func write(to buffer: inout ByteBuffer) {
        buffer.writeBytes(Preface.magic)
        buffer.writeInteger(major)
        buffer.writeInteger(minor)
    }
}
