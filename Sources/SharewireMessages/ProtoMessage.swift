import NIOCore

/// A protobuf message of the Sharewire schema (`proto/sharewire/v1`), as a
/// Swift value type.
///
/// Encoding and decoding go through protobuf-c; see `CBridgedMessage` for the
/// mechanics. Decoding is stricter than protobuf-c: string fields must be
/// valid UTF-8 without NUL bytes.
public protocol ProtoMessage: Sendable, Equatable {
    /// Decodes a message from its protobuf wire encoding.
    init(serializedBytes: UnsafeRawBufferPointer) throws(ProtoDecodingError)
    /// Appends the serialized message to `buffer` and returns the number of bytes written.
    ///
    /// Total: it never fails. A `String` field holding a NUL character cannot
    /// be represented by protobuf-c (C strings) and is truncated at the NUL;
    /// debug builds assert. Callers sending text they did not decode
    /// themselves can check with the message's `validate()` first.
    @discardableResult func serialize(into buffer: inout ByteBuffer) -> Int
    /// The message's wire encoding as a fresh array. (A requirement so that
    /// generated messages can pack straight into the array; the default goes
    /// through a `ByteBuffer`.)
    func serializedBytes() -> [UInt8]
    /// Throws `.embeddedNUL` if a string field contains a NUL character,
    /// which protobuf-c cannot encode (it would truncate the string there).
    /// Strings obtained by decoding never contain NUL, so only text from
    /// elsewhere needs checking.
    func validate() throws(ProtoDecodingError)
}

extension ProtoMessage {
    /// Decodes the readable bytes of `buffer`. Does not move its `readerIndex`.
    @inlinable
    public init(buffer: ByteBuffer) throws(ProtoDecodingError) {
        let result = buffer.withUnsafeReadableBytes { bytes in
            Result { () throws(ProtoDecodingError) in try Self(serializedBytes: bytes) }
        }
        self = try result.get()
    }

    /// Decodes a message from `bytes`.
    @inlinable
    public init(bytes: [UInt8]) throws(ProtoDecodingError) {
        let result = bytes.withUnsafeBytes { raw in
            Result { () throws(ProtoDecodingError) in try Self(serializedBytes: raw) }
        }
        self = try result.get()
    }

    /// The message's wire encoding as a fresh array.
    public func serializedBytes() -> [UInt8] {
        var buffer = ByteBuffer()
        self.serialize(into: &buffer)
        return Array(buffer.readableBytesView)
    }
}
