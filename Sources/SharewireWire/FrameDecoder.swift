import NIOCore

/// Incremental decoder for the inbound half of a connection: preface, then
/// frames, with every structural rule of docs/PROTOCOL.md checked before any
/// payload is buffered.
///
/// It is a plain value-type state machine, fed whatever bytes have arrived
/// (one at a time is fine), so it can be tested without sockets.
public struct FrameDecoder: Sendable {
    enum State: Sendable, Hashable {
        case awaitingPreface
        case awaitingHello
        case ready
        /// Discarding the payload of an oversized frame.
        case skipping(remaining: UInt32)
    }

    /// Largest payload buffered for one frame. Checked against the header's
    /// length field, so an oversized frame never allocates.
    public var maxFrameSize: UInt32
    public let role: FrameRole
    /// The highest REQUEST stream id seen; new ones must exceed it.
    public private(set) var lastRequestStreamID: UInt32 = 0
    private(set) var state: State

    /// Whether the decoder is part-way through discarding an oversized
    /// frame's payload (so the peer is inside a frame even with no bytes
    /// buffered).
    public var isDiscardingPayload: Bool {
        if case let .skipping(remaining) = state { return remaining > 0 }
        return false
    }

    /// - Parameters:
    ///   - role: which side's inbound bytes this decodes.
    ///   - maxFrameSize: payload limit this side advertised in its HELLO.
    ///   - expectPreface: false to start directly at the HELLO frame.
    public init(role: FrameRole, maxFrameSize: UInt32, expectPreface: Bool = true) {
        self.role = role
        self.maxFrameSize = maxFrameSize
        self.state = expectPreface ? .awaitingPreface : .awaitingHello
    }

    /// Decodes the next event from `buffer`, consuming its bytes, or returns
    /// nil when more bytes are needed.
    public mutating func next(from buffer: inout ByteBuffer) throws(FrameDecodingError) -> FrameEvent? {
        while true {
            switch state {
            case .awaitingPreface:
                return try decodePreface(&buffer)
            case let .skipping(remaining):
                let n = min(UInt32(buffer.readableBytes), remaining)
                buffer.moveReaderIndex(forwardBy: Int(n))
                if n < remaining {
                    state = .skipping(remaining: remaining - n)
                    return nil
                }
                state = .ready
            case .awaitingHello, .ready:
                return try decodeFrame(&buffer)
            }
        }
    }

    /// Call when the peer closed its side: bytes left over mean it stopped
    /// inside a preface or frame.
    public func finish(leftover buffer: ByteBuffer) throws(FrameDecodingError) {
        if case let .skipping(remaining) = state, remaining > 0 {
            throw .truncated(bufferedBytes: buffer.readableBytes)
        }
        if buffer.readableBytes > 0 { throw .truncated(bufferedBytes: buffer.readableBytes) }
    }

    private mutating func decodePreface(_ buffer: inout ByteBuffer) throws(FrameDecodingError) -> FrameEvent? {
        // Compare what has arrived so far, so garbage is rejected on its first
        // wrong byte rather than after 8 bytes.
        let available = min(buffer.readableBytes, Preface.magic.count)
        for i in 0..<available where buffer.getInteger(at: buffer.readerIndex + i, as: UInt8.self) != Preface.magic[i] {
            throw .badMagic
        }
        guard buffer.readableBytes >= Preface.size else { return nil }
        buffer.moveReaderIndex(forwardBy: Preface.magic.count)
        let major: UInt8 = buffer.readInteger()!
        let minor: UInt8 = buffer.readInteger()!
        guard major == Preface.current.major else { throw .unsupportedVersion(major: major, minor: minor) }
        state = .awaitingHello
        return .preface(Preface(major: major, minor: minor))
    }

    private mutating func decodeFrame(_ buffer: inout ByteBuffer) throws(FrameDecodingError) -> FrameEvent? {
        guard buffer.readableBytes >= FrameHeader.size else {
            // Reject an unknown type as soon as its byte arrives.
            if buffer.readableBytes > 4, let raw = buffer.getInteger(at: buffer.readerIndex + 4, as: UInt8.self),
                FrameType(rawValue: raw) == nil
            {
                throw .unknownFrameType(raw)
            }
            return nil
        }
        let start = buffer.readerIndex
        let length = buffer.getInteger(at: start, as: UInt32.self)!
        let rawType = buffer.getInteger(at: start + 4, as: UInt8.self)!
        let flags = buffer.getInteger(at: start + 5, as: UInt8.self)!
        let streamID = buffer.getInteger(at: start + 6, as: UInt32.self)!
        guard let type = FrameType(rawValue: rawType) else { throw .unknownFrameType(rawType) }
        let header = FrameHeader(length: length, type: type, flags: flags, streamID: streamID)
        try validate(header)

        if length > maxFrameSize {
            guard type == .request || type == .message || type == .response else {
                throw .frameTooLarge(type, length: length, limit: maxFrameSize)
            }
            buffer.moveReaderIndex(forwardBy: FrameHeader.size)
            commit(header)
            state = .skipping(remaining: length)
            return .oversized(header)
        }
        guard buffer.readableBytes - FrameHeader.size >= Int(length) else { return nil }
        buffer.moveReaderIndex(forwardBy: FrameHeader.size)
        let payload = buffer.readSlice(length: Int(length))!
        commit(header)
        return .frame(Frame(header: header, payload: payload))
    }

    /// Header-only checks, run as soon as the header has arrived so nothing
    /// of a bad frame is buffered.
    ///
    /// Non-mutating: while the payload is incomplete, `decodeFrame` returns
    /// nil without consuming the header and validates it again when more
    /// bytes arrive, so each run must see the same state. (Updating the state
    /// here made a HELLO or REQUEST split across reads fail as a duplicate
    /// HELLO or a reused stream id.) `commit` applies the effects once the
    /// frame is consumed.
    private func validate(_ header: FrameHeader) throws(FrameDecodingError) {
        let type = header.type
        if state == .awaitingHello {
            // A server may send GOAWAY in place of its HELLO to refuse the
            // connection (docs/PROTOCOL.md §1.2, §19.2).
            guard type == .hello || (type == .goAway && role == .client) else { throw .helloExpected(got: type) }
        } else if type == .hello {
            throw .duplicateHello
        }
        guard role.accepts(type) else { throw .unexpectedFrameType(type) }
        if header.streamID > FrameHeader.maxStreamID { throw .reservedStreamIDBit(header.streamID) }
        if type.isConnectionLevel {
            guard header.streamID == 0 else { throw .streamIDMustBeZero(type, streamID: header.streamID) }
        } else if header.streamID == 0 {
            throw .streamIDMustBeNonZero(type)
        }
        switch type {
        case .ping, .pong:
            guard header.length == 8 else { throw .invalidPayloadLength(type, length: header.length) }
        case .cancel:
            guard header.length == 0 else { throw .invalidPayloadLength(type, length: header.length) }
            // Cancelling a stream that was never opened is a violation, as
            // RST_STREAM on an idle stream is in HTTP/2.
            guard header.streamID <= lastRequestStreamID else { throw .unopenedStream(type, streamID: header.streamID) }
        case .request:
            guard header.streamID > lastRequestStreamID else {
                throw .streamIDNotIncreasing(streamID: header.streamID, last: lastRequestStreamID)
            }
        case .hello, .goAway, .message, .response:
            break
        }
    }

    /// Applies what a validated header commits, once its frame is consumed
    /// (or, if oversized, its header is): HELLO has been seen, and a REQUEST's
    /// stream id is used even when its payload is skipped.
    private mutating func commit(_ header: FrameHeader) {
        switch header.type {
        case .hello: state = .ready
        case .request: lastRequestStreamID = header.streamID
        case .message, .response, .cancel, .ping, .pong, .goAway: break
        }
    }
}
