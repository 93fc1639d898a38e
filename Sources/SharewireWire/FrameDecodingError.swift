/// A protocol violation found while decoding inbound bytes.
///
/// Every case is fatal to the connection: the receiver sends GOAWAY with
/// `description` as the reason and closes. None of them crash the process.
public enum FrameDecodingError: Error, Hashable, Sendable, CustomStringConvertible {
    case badMagic
    case unsupportedVersion(major: UInt8, minor: UInt8)
    case unknownFrameType(UInt8)
    case unexpectedFrameType(FrameType)
    case helloExpected(got: FrameType)
    case duplicateHello
    case streamIDMustBeZero(FrameType, streamID: UInt32)
    case streamIDMustBeNonZero(FrameType)
    case reservedStreamIDBit(UInt32)
    case streamIDNotIncreasing(streamID: UInt32, last: UInt32)
    case unopenedStream(FrameType, streamID: UInt32)
    case invalidPayloadLength(FrameType, length: UInt32)
    case frameTooLarge(FrameType, length: UInt32, limit: UInt32)
    case truncated(bufferedBytes: Int)

    public var description: String {
        switch self {
        case .badMagic: return "bad preface magic"
        case let .unsupportedVersion(major, minor): return "unsupported protocol version \(major).\(minor)"
        case let .unknownFrameType(raw): return "unknown frame type 0x\(String(raw, radix: 16))"
        case let .unexpectedFrameType(type): return "frame type \(type) not allowed in this direction"
        case let .helloExpected(got): return "expected HELLO as first frame, got \(got)"
        case .duplicateHello: return "HELLO sent twice"
        case let .streamIDMustBeZero(type, id): return "\(type) frame must use stream 0, got \(id)"
        case let .streamIDMustBeNonZero(type): return "\(type) frame must not use stream 0"
        case let .reservedStreamIDBit(id): return "stream id \(id) has the reserved top bit set"
        case let .streamIDNotIncreasing(id, last):
            return "stream id \(id) not greater than last stream id \(last) (reused or decreasing)"
        case let .unopenedStream(type, id): return "\(type) frame for stream \(id), which was never opened"
        case let .invalidPayloadLength(type, length): return "invalid payload length \(length) for \(type) frame"
        case let .frameTooLarge(type, length, limit): return "\(type) frame of \(length) bytes exceeds limit \(limit)"
        case let .truncated(n): return "connection closed inside a frame (\(n) bytes buffered)"
        }
    }
}
