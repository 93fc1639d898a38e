/// Errors decoding a protobuf message.
///
/// `message` is the full protobuf name of the message being decoded, e.g.
/// `"sharewire.v1.RequestHead"`. `field` names the offending field; for a field
/// of a nested message it is a dotted path such as `"metadata.key"`.
public enum ProtoDecodingError: Error, Hashable, Sendable {
    /// protobuf-c could not unpack the bytes: truncated input, a bad varint,
    /// a wire type that does not match the field's declared type, ...
    case malformed(message: String)
    /// A `string` field holds bytes that are not valid UTF-8.
    case invalidUTF8(message: String, field: String)
    /// A `string` field holds a NUL byte. protobuf-c stores strings as C
    /// strings and would silently truncate at the NUL, so it is rejected.
    case embeddedNUL(message: String, field: String)
    /// An enum field holds a value this build does not know, for enums decoded
    /// strictly (see each message's documentation).
    case invalidEnum(message: String, field: String, value: Int32)
}

extension ProtoDecodingError {
    /// The same error reported against the top-level message `name`.
    /// Nested decoders throw with an empty message name; the top-level decoder
    /// fills it in once, so the hot path never builds names.
    func inMessage(_ name: String) -> ProtoDecodingError {
        switch self {
        case .malformed: .malformed(message: name)
        case .invalidUTF8(_, let f): .invalidUTF8(message: name, field: f)
        case .embeddedNUL(_, let f): .embeddedNUL(message: name, field: f)
        case .invalidEnum(_, let f, let v): .invalidEnum(message: name, field: f, value: v)
        }
    }

    /// The same error with `parent.` prepended to the field path.
    func nested(in parent: String) -> ProtoDecodingError {
        switch self {
        case .malformed: self
        case .invalidUTF8(let m, let f): .invalidUTF8(message: m, field: parent + "." + f)
        case .embeddedNUL(let m, let f): .embeddedNUL(message: m, field: parent + "." + f)
        case .invalidEnum(let m, let f, let v): .invalidEnum(message: m, field: parent + "." + f, value: v)
        }
    }
}
