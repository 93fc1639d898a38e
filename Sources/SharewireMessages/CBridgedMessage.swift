import CProtobufC
import CSharewireProto  // see docs/MESSAGES.md, "Importing the C modules"
import NIOCore

/// A Swift message type bridged to the protobuf-c struct generated for it.
///
/// A message conforms by naming its C struct and descriptor and writing two
/// small field-by-field functions, `fill` and `init(c:)`; the pack/unpack/free
/// dance, arena management and input validation live in the extension below
/// and in `CMessageCodec`. Adding a message costs about 30 lines.
protocol CBridgedMessage: ProtoMessage {
    /// The protobuf-c struct, e.g. `Sharewire__V1__RequestHead`.
    associatedtype CMessage

    /// The generated descriptor, e.g. `sharewire__v1__request_head__descriptor`.
    static var cDescriptor: CMessageDescriptor { get }

    /// About how many arena bytes `fill` takes (strings, bytes, nested
    /// structs). A sizing hint only.
    var cArenaHint: Int { get }

    /// Writes this value into `c`, which `message_init` has initialised.
    /// Every pointer stored in `c` must point into `arena`.
    func fill(_ c: UnsafeMutablePointer<CMessage>, arena: inout CEncodingArena)

    /// Copies a struct unpacked by protobuf-c into a Swift value.
    /// Errors carry an empty message name and a field relative to this message.
    init(c: UnsafePointer<CMessage>) throws(ProtoDecodingError)

    /// Builds the C struct for a top-level encode and passes it to `body`.
    /// The default fills a struct in the arena; a message with large `bytes`
    /// fields can override it to point them at the Swift storage instead of
    /// copying into the arena.
    func withCMessage<R>(arena: inout CEncodingArena, _ body: (UnsafePointer<CMessage>) -> R) -> R
}

extension CBridgedMessage {
    /// Arena bytes of the top-level C struct itself (not in `cArenaHint`).
    static var cArenaTopLevelHint: Int { cDescriptor.pointer.pointee.sizeof_message + 16 }

    @inline(__always)
    func withCMessage<R>(arena: inout CEncodingArena, _ body: (UnsafePointer<CMessage>) -> R) -> R {
        let c = arena.message(Self.self)
        fill(c, arena: &arena)
        return body(c)
    }

    /// Decodes a message from its protobuf wire encoding.
    public init(serializedBytes: UnsafeRawBufferPointer) throws(ProtoDecodingError) {
        self = try CMessageCodec.decode(Self.self, from: serializedBytes)
    }

    /// Appends the serialized message to `buffer` and returns the number of bytes written.
    ///
    /// Total: never fails. A `String` holding NUL is truncated at the NUL
    /// (debug builds assert); see `validate()`.
    @discardableResult
    public func serialize(into buffer: inout ByteBuffer) -> Int {
        CMessageCodec.encode(self) { size, pack in
            guard size > 0 else { return 0 }
            return buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: size) { out in
                pack(out.baseAddress!.assumingMemoryBound(to: UInt8.self))
            }
        }
    }

    /// The message's wire encoding as a fresh array (one allocation).
    public func serializedBytes() -> [UInt8] {
        CMessageCodec.encode(self) { size, pack in
            guard size > 0 else { return [] }
            return [UInt8](unsafeUninitializedCapacity: size) { out, initialized in
                initialized = pack(out.baseAddress!)
            }
        }
    }

    /// Throws `.embeddedNUL` if a string field contains a NUL character,
    /// which protobuf-c cannot encode (it would truncate the string there).
    /// Strings obtained by decoding never contain NUL.
    public func validate() throws(ProtoDecodingError) {
        let nulField = CEncodingArena.with(capacityHint: Self.cArenaTopLevelHint + cArenaHint, checkingNUL: true) {
            arena in
            withCMessage(arena: &arena) { _ in () }
            return arena.firstNULField
        }
        if let nulField {
            throw .embeddedNUL(message: Self.cDescriptor.fullName, field: nulField)
        }
    }
}

/// The generic pack/unpack/free mechanics shared by every message.
enum CMessageCodec {
    /// Builds the C struct of `message` in an arena, asks `sink` for `size`
    /// writable bytes and packs into them. `sink` returns what it returns.
    @inline(__always)
    static func encode<M: CBridgedMessage, R>(
        _ message: M,
        _ sink: (_ size: Int, _ pack: (UnsafeMutablePointer<UInt8>) -> Int) -> R
    ) -> R {
        CEncodingArena.with(capacityHint: M.cArenaTopLevelHint + message.cArenaHint) { arena in
            let result = message.withCMessage(arena: &arena) { c in
                let base = UnsafeRawPointer(c).assumingMemoryBound(to: ProtobufCMessage.self)
                let size = protobuf_c_message_get_packed_size(base)
                return sink(size) { out in protobuf_c_message_pack(base, out) }
            }
            assert(
                arena.firstNULField == nil,
                "\(M.cDescriptor.fullName).\(arena.firstNULField ?? ""): string contains NUL; protobuf-c truncates it"
            )
            return result
        }
    }

    /// Unpacks with protobuf-c (into a `CUnpackArena`), checks what
    /// protobuf-c does not (NUL in strings; UTF-8 is checked while copying),
    /// copies into Swift values and frees the C message.
    @inline(__always)
    static func decode<M: CBridgedMessage>(
        _ type: M.Type, from bytes: UnsafeRawBufferPointer
    ) throws(ProtoDecodingError) -> M {
        let descriptor = M.cDescriptor.pointer
        let result = CUnpackArena.withUnpacked(bytes, descriptor: descriptor) {
            unpacked -> Result<M, ProtoDecodingError> in
            guard let unpacked else { return .failure(.malformed(message: "")) }
            return Result { () throws(ProtoDecodingError) in
                try EmbeddedNULScan.check(bytes, descriptor: descriptor)
                return try M(c: UnsafeRawPointer(unpacked).assumingMemoryBound(to: M.CMessage.self))
            }
        }
        do {
            return try result.get()
        } catch {
            throw error.inMessage(M.cDescriptor.fullName)
        }
    }
}
