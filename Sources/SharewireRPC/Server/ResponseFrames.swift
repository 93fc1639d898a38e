import NIOCore
import SharewireMessages
import SharewireWire

/// Encoding a server call's frames within the limits the client announced.
extension ByteBuffer {
    /// Appends a MESSAGE frame, or an OK RESPONSE frame (whose empty head
    /// encodes to zero bytes), carrying `message`. If it would break a limit
    /// the client announced, the frame is removed and the error to send
    /// instead is returned.
    mutating func appendCallData(
        _ type: FrameType, streamID: UInt32, _ message: (any ProtoMessage)?,
        within limits: PeerLimits
    ) -> RPCError? {
        let frame = beginFrame(type, streamID: streamID)
        if type == .response { writeInteger(UInt32(0)) }
        let size = message?.serialize(into: &self) ?? 0
        let frameSize = payloadLength(since: frame)
        var violation: RPCError?
        if size > limits.maxMessageSize {
            violation = Self.responseTooLarge(
                "message of \(size) bytes exceeds the client's max_message_size of \(limits.maxMessageSize)",
                limit: limits.maxMessageSize)
        } else if frameSize > limits.maxFrameSize {
            violation = Self.responseTooLarge(
                "frame of \(frameSize) bytes exceeds the client's max_frame_size of \(limits.maxFrameSize)",
                limit: limits.maxFrameSize)
        }
        if violation == nil { endFrame(frame) } else { abandonFrame(frame) }
        return violation
    }

    /// Appends an error RESPONSE. A head too large for the client's
    /// `max_frame_size` (a handler's long message or many details) is
    /// written again with a short explanation, and as a last resort with
    /// the code alone, so the client always learns how its call ended.
    mutating func appendErrorResponse(streamID: UInt32, _ error: RPCError, within limits: PeerLimits) {
        var head = ResponseHead(code: error.code.rawValue, message: error.message, details: error.details)
        for attempt in 0..<3 {
            let frame = beginFrame(.response, streamID: streamID)
            let mark = beginHead()
            head.serialize(into: &self)
            endHead(mark)
            let length = payloadLength(since: frame)
            guard attempt < 2, length > limits.maxFrameSize else {
                endFrame(frame)
                return
            }
            abandonFrame(frame)
            head =
                attempt == 0
                ? ResponseHead(
                    code: head.code,
                    message:
                        "status of \(length) bytes dropped: exceeds the client's max_frame_size of \(limits.maxFrameSize)"
                )
                : ResponseHead(code: head.code)
        }
    }

    private static func responseTooLarge(_ what: String, limit: UInt32) -> RPCError {
        RPCError(
            .resourceExhausted, "response \(what)",
            details: [
                StatusDetail(
                    reason: "RESPONSE_TOO_LARGE",
                    metadata: [MetadataEntry(key: "limit", value: "\(limit)")])
            ])
    }
}
