import NIOCore

/// Collects outbound frames for one connection and writes them in a single
/// `writeAndFlush` per event-loop tick.
///
/// Many responses finishing in the same tick then share one buffer and one
/// `write()` system call, the flush coalescing that keeps per-call CPU low.
/// Event-loop confined: owned by a channel handler.
struct FrameOutbox {
    private var pending: ByteBuffer?
    /// A flush task is already queued on the event loop.
    private var flushQueued = false
    /// Inside `channelRead`: `channelReadComplete` will flush, so no task.
    var inReadLoop = false

    /// Bytes appended and not yet handed to the channel.
    var pendingBytes: Int { pending?.readableBytes ?? 0 }

    /// Appends frames via `body`, allocating the batch buffer on first use.
    mutating func append(allocator: @autoclosure () -> ByteBufferAllocator, _ body: (inout ByteBuffer) -> Void) {
        // The allocator is asked for only when a batch starts: reading
        // `channel.allocator` per frame cost about 0.5% of a Check.
        if pending == nil { pending = allocator().buffer(capacity: 4096) }
        body(&pending!)
    }

    /// Whether the caller must queue a flush task on the event loop.
    mutating func needsFlushTask() -> Bool {
        guard pending != nil, !inReadLoop, !flushQueued else { return false }
        flushQueued = true
        return true
    }

    /// Takes the batch to write, if any.
    mutating func take() -> ByteBuffer? {
        flushQueued = false
        defer { pending = nil }
        return pending
    }
}
