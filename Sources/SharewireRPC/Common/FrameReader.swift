import Logging
import NIOCore
import SharewireWire

/// Accumulates inbound bytes and decodes frames from them.
///
/// Frames are slices of the accumulated buffer, so nothing is copied; a read
/// that arrives while no partial frame is pending becomes the buffer as is.
struct FrameReader {
    var decoder: FrameDecoder
    private var buffer = ByteBuffer()

    init(decoder: FrameDecoder) {
        self.decoder = decoder
    }

    mutating func append(_ bytes: ByteBuffer) {
        if buffer.readableBytes == 0 {
            buffer = bytes
        } else {
            var bytes = bytes
            buffer.writeBuffer(&bytes)
        }
    }

    /// The next event, or nil when more bytes are needed.
    mutating func next() throws(FrameDecodingError) -> FrameEvent? {
        try decoder.next(from: &buffer)
    }

    /// The peer has sent part of a frame (or of the preface) and not the rest.
    var isInsideFrame: Bool {
        buffer.readableBytes > 0 || decoder.isDiscardingPayload
    }

    /// Drops consumed bytes once a read has been processed.
    mutating func compact() {
        if buffer.readableBytes == 0 {
            buffer = ByteBuffer()
        } else if buffer.readerIndex > 64 * 1024 {
            buffer.discardReadBytes()
        }
    }

    /// At end of input: throws if the peer stopped inside a frame.
    func finish() throws(FrameDecodingError) {
        try decoder.finish(leftover: buffer)
    }
}

/// A connection handler that batches its outbound frames in a `FrameOutbox`.
protocol FrameWriting: AnyObject, ChannelOutboundHandler, SendableMetatype where OutboundOut == ByteBuffer {
    var outbox: FrameOutbox { get set }
    var context: ChannelHandlerContext? { get }
}

extension FrameWriting {
    /// Appends frames; they go out at the end of this event-loop tick.
    func write(_ body: (inout ByteBuffer) -> Void) {
        guard let context else { return }
        outbox.append(allocator: context.channel.allocator, body)
        if outbox.needsFlushTask() {
            let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
            context.eventLoop.execute { bound.value.flush() }
        }
    }

    /// Writes the pending batch with one `writeAndFlush`.
    func flush() {
        guard let context, let batch = outbox.take() else { return }
        context.writeAndFlush(wrapOutboundOut(batch), promise: nil)
    }

    /// Writes the pending batch, then closes the channel.
    func flushAndClose() {
        guard let context else { return }
        if let batch = outbox.take() {
            let channel = context.channel
            context.writeAndFlush(wrapOutboundOut(batch)).whenComplete { _ in channel.close(promise: nil) }
        } else {
            context.close(promise: nil)
        }
    }
}

/// A connection handler whose state machine decodes its inbound bytes and
/// decides at connection level: the read loop and the carrying out of
/// ``ConnectionAction``s, which both sides share.
protocol FrameReading: FrameWriting {
    var logger: Logger { get }
    /// Whether received bytes are still acted on (false once closing).
    var isReading: Bool { get }
    /// The state machine's next decoded event, or nil when more bytes are needed.
    func nextEvent() throws(FrameDecodingError) -> FrameEvent?
    func handle(_ event: FrameEvent)
    func decodingFailed(_ error: FrameDecodingError)
}

extension FrameReading {
    /// Handles every complete event of the bytes received so far, until
    /// more are needed or the connection closes. Frames written meanwhile
    /// go out together at `channelReadComplete` (``readComplete()``).
    /// Returns whether any event was decoded.
    func handleEvents() -> Bool {
        outbox.inReadLoop = true
        var decodedAny = false
        while isReading {
            let event: FrameEvent?
            do {
                event = try nextEvent()
            } catch {
                decodingFailed(error)
                break
            }
            guard let event else { break }
            decodedAny = true
            handle(event)
        }
        return decodedAny
    }

    /// The end of a read burst: send what it produced.
    func readComplete() {
        outbox.inReadLoop = false
        flush()
    }

    /// Carries out a state machine's connection-level decision.
    func apply(_ action: ConnectionAction) {
        switch action {
        case .none:
            return
        case let .send(frames):
            write { buffer in for frame in frames { buffer.write(frame) } }
            if !outbox.inReadLoop { flush() }
        case let .sendAndClose(frames, note):
            log(note)
            if !frames.isEmpty { write { buffer in for frame in frames { buffer.write(frame) } } }
            flushAndClose()
        case let .close(note):
            log(note)
            context?.close(promise: nil)
        }
    }

    private func log(_ note: ConnectionNote?) {
        guard let note else { return }
        switch note.level {
        case .debug: logger.debug("\(note.message)")
        case .info: logger.info("\(note.message)")
        case .notice: logger.notice("\(note.message)")
        case .warning: logger.warning("\(note.message)")
        }
    }
}
