import NIOCore

/// The payload of a REQUEST or RESPONSE frame: `u32 head_len`, the head
/// (a protobuf message), then the message bytes filling the rest.
public struct HeadedPayload: Sendable {
    public var head: ByteBuffer
    public var message: ByteBuffer

    /// Splits `payload` without copying.
    /// - Throws: `HeadedPayloadError` if the head length runs past the payload.
    public init(splitting payload: ByteBuffer) throws(HeadedPayloadError) {
        var payload = payload
        guard let headLength = payload.readInteger(as: UInt32.self) else {
            throw .missingHeadLength(payloadLength: payload.readableBytes)
        }
        guard Int(headLength) <= payload.readableBytes, let head = payload.readSlice(length: Int(headLength)) else {
            throw .headLengthOutOfBounds(headLength: headLength, available: payload.readableBytes)
        }
        self.head = head
        self.message = payload
    }
}

/// A REQUEST or RESPONSE payload whose head length prefix is inconsistent.
public enum HeadedPayloadError: Error, Hashable, Sendable, CustomStringConvertible {
    case missingHeadLength(payloadLength: Int)
    case headLengthOutOfBounds(headLength: UInt32, available: Int)

    public var description: String {
        switch self {
        case let .missingHeadLength(n): return "payload of \(n) bytes is too short for its head length"
        case let .headLengthOutOfBounds(h, a): return "head length \(h) exceeds the \(a) bytes that follow it"
        }
    }
}
