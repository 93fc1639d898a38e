import CProtobufC
import CSharewireProto  // see docs/MESSAGES.md, "Importing the C modules"

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// A bump allocator for `protobuf_c_message_unpack`.
///
/// Unpacking allocates once for the message, once per string, once per
/// repeated-field array and once per nested message: a dozen malloc/free
/// pairs for an ordinary `RequestHead`. The unpacked message only lives
/// until its fields are copied into Swift values, so small messages (the
/// per-call heads) are unpacked into one stack buffer instead. Allocations
/// that do not fit fall back to `malloc`; `free` ignores pointers inside the
/// buffer.
///
/// Large inputs skip the arena and use protobuf-c's default allocator: the
/// per-field mallocs no longer matter next to copying the data, and an
/// arena would change glibc's malloc/free order for big blocks, which made
/// glibc trim and re-fault the heap on every 1 MiB decode (measured: 40 µs
/// without an arena, 800 µs with one).
enum CUnpackArena {
    /// Largest stack buffer. At most 1 KiB, `withUnsafeTemporaryAllocation`
    /// uses the stack without probing the thread's stack bounds.
    static let maxCapacity = 1024

    /// Allocator state, reached through `ProtobufCAllocator.allocator_data`.
    private struct State {
        var cursor: UnsafeMutableRawPointer
        let start: UnsafeMutableRawPointer
        let end: UnsafeMutableRawPointer
        /// Allocations that fell back to `malloc`.
        var spilled = 0
    }

    /// Unpacks `bytes` with `descriptor`, passes the message to `body` and
    /// frees it. `body` must not let the message or its pointers escape.
    @inline(__always)
    static func withUnpacked<R>(
        _ bytes: UnsafeRawBufferPointer,
        descriptor: UnsafePointer<ProtobufCMessageDescriptor>,
        _ body: (UnsafeMutablePointer<ProtobufCMessage>?) -> R
    ) -> R {
        // Unpacked size is roughly the struct plus the wire bytes of strings
        // and nested messages (each string gains a NUL, each nested message
        // a struct), so a small multiple of the input usually fits.
        let capacity = descriptor.pointee.sizeof_message + 2 * bytes.count + 256
        guard capacity <= maxCapacity else {
            let data = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self)
            let message = protobuf_c_message_unpack(descriptor, nil, bytes.count, data)
            defer { protobuf_c_message_free_unpacked(message, nil) }
            return body(message)
        }
        return withUnsafeTemporaryAllocation(byteCount: capacity, alignment: 16) { buffer in
            let start = buffer.baseAddress!
            var state = State(cursor: start, start: start, end: start + buffer.count)
            return withUnsafeMutablePointer(to: &state) { state in
                var allocator = ProtobufCAllocator(
                    alloc: { data, size in
                        let state = data!.assumingMemoryBound(to: State.self)
                        // malloc's alignment: C structs with uint64_t fields follow.
                        let aligned = state.pointee.cursor.alignedUp(toMultipleOf: 16)
                        if size <= state.pointee.end - aligned {
                            state.pointee.cursor = aligned + size
                            return aligned
                        }
                        state.pointee.spilled += 1
                        return malloc(size)
                    },
                    free: { data, pointer in
                        guard let pointer else { return }
                        let state = data!.assumingMemoryBound(to: State.self)
                        if pointer >= state.pointee.start && pointer < state.pointee.end { return }
                        free(pointer)
                    },
                    allocator_data: UnsafeMutableRawPointer(state))
                let data = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self)
                let message = protobuf_c_message_unpack(descriptor, &allocator, bytes.count, data)
                defer {
                    // Everything inside the buffer goes with it; walk the
                    // message to free only if something went to malloc.
                    if let message, state.pointee.spilled > 0 {
                        protobuf_c_message_free_unpacked(message, &allocator)
                    }
                }
                return body(message)
            }
        }
    }
}
