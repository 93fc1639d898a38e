import CProtobufC
import CSharewireProto  // see docs/MESSAGES.md, "Importing the C modules"

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Scratch memory for building protobuf-c structs while encoding.
///
/// Every `char *`, `ProtobufCBinaryData` and nested struct of the C message
/// being encoded points into the arena, which exists only inside
/// `CEncodingArena.with(capacityHint:_:)`. One bump allocation per encode
/// (on the stack when small) instead of one heap allocation per field.
///
/// If the hint was too small the arena spills into heap chunks, so the hint
/// affects speed only, never correctness.
struct CEncodingArena: ~Copyable {
    private var cursor: UnsafeMutableRawPointer
    private var end: UnsafeMutableRawPointer
    /// Heap chunks allocated after the initial buffer ran out, as a list
    /// linked through each chunk's first word (no Array to allocate).
    private var spilled: UnsafeMutableRawPointer?

    /// Whether `cString` looks for NUL (a `memchr` per string). On for
    /// `validate()` and in debug builds, where encoding asserts; off for
    /// release encodes, where nothing would read the result.
    private let checksNUL: Bool
    /// The first string field whose value contained NUL (and was therefore
    /// truncated by protobuf-c), as `parent.field` or `field`.
    private(set) var firstNULField: String?
    /// Names of the message fields (repeated or singular) being encoded
    /// (outermost first), for `firstNULField` paths. Kept inline, not in an Array, so
    /// encoding allocates nothing; paths deeper than four levels keep only
    /// the outer four names.
    private var parents: (StaticString, StaticString, StaticString, StaticString) = ("", "", "", "")
    private var depth = 0

    /// Largest initial buffer taken from `withUnsafeTemporaryAllocation`.
    /// Up to 1 KiB it is stack memory without a probe of the thread's stack
    /// bounds; bigger messages spill into heap chunks.
    static let maxInitialCapacity = 1024

    private init(_ buffer: UnsafeMutableRawBufferPointer, checksNUL: Bool) {
        cursor = buffer.baseAddress!
        end = buffer.baseAddress! + buffer.count
        self.checksNUL = checksNUL
    }

    /// True in builds where `assert` is active (constant-folded away otherwise).
    static var assertionsEnabled: Bool {
        var enabled = false
        assert(
            {
                enabled = true
                return true
            }())
        return enabled
    }

    deinit {
        var chunk = spilled
        while let current = chunk {
            chunk = current.load(as: UnsafeMutableRawPointer?.self)
            current.deallocate()
        }
    }

    /// Runs `body` with an arena of about `capacityHint` bytes.
    /// `checkingNUL` defaults to on exactly when assertions are.
    static func with<R>(
        capacityHint: Int, checkingNUL: Bool = assertionsEnabled, _ body: (inout CEncodingArena) -> R
    ) -> R {
        let capacity = min(max(capacityHint, 256), maxInitialCapacity)
        return withUnsafeTemporaryAllocation(byteCount: capacity, alignment: 16) { buffer in
            var arena = CEncodingArena(buffer, checksNUL: checkingNUL)
            return body(&arena)
        }
    }

    // MARK: Raw allocation

    mutating func allocateBytes(_ count: Int, alignment: Int) -> UnsafeMutableRawPointer {
        let aligned = cursor.alignedUp(toMultipleOf: alignment)
        if count <= end - aligned {
            cursor = aligned + count
            return aligned
        }
        let header = MemoryLayout<UnsafeMutableRawPointer?>.stride
        let chunkSize = max(header + count + alignment, 4096)
        let chunk = UnsafeMutableRawPointer.allocate(byteCount: chunkSize, alignment: 16)
        chunk.storeBytes(of: spilled, as: UnsafeMutableRawPointer?.self)
        spilled = chunk
        let start = (chunk + header).alignedUp(toMultipleOf: alignment)
        cursor = start + count
        end = chunk + chunkSize
        return start
    }

    mutating func allocate<T>(_ type: T.Type, count: Int) -> UnsafeMutablePointer<T> {
        allocateBytes(MemoryLayout<T>.stride * count, alignment: MemoryLayout<T>.alignment)
            .bindMemory(to: T.self, capacity: count)
    }

    // MARK: Sizing hints

    /// Arena bytes a string takes (UTF-8 plus the terminating NUL).
    static func hint(_ string: String) -> Int { string.utf8.count + 1 }

    /// Arena bytes `count` values of `T` take, alignment included.
    static func hint<T>(_ type: T.Type, count: Int) -> Int {
        MemoryLayout<T>.stride * count + MemoryLayout<T>.alignment
    }

    // MARK: Fields

    /// Copies `string` into the arena as a NUL-terminated C string.
    ///
    /// A NUL inside `string` cannot be represented: protobuf-c would encode
    /// only the part before it. The first such field is remembered in
    /// `firstNULField` when `checksNUL` (used by `validate()` and a debug
    /// assertion).
    mutating func cString(_ string: String, field: StaticString) -> UnsafeMutablePointer<CChar> {
        let count = string.utf8.count
        let raw = allocateBytes(count + 1, alignment: 1)
        let copied: Void? = string.utf8.withContiguousStorageIfAvailable { utf8 in
            if let base = utf8.baseAddress { raw.copyMemory(from: base, byteCount: count) }
        }
        if copied == nil {
            var index = 0
            for byte in string.utf8 {
                raw.storeBytes(of: byte, toByteOffset: index, as: UInt8.self)
                index += 1
            }
        }
        raw.storeBytes(of: 0, toByteOffset: count, as: UInt8.self)
        if checksNUL, count > 0, firstNULField == nil, memchr(raw, 0, count) != nil {
            firstNULField = nulPath(field)
        }
        return raw.bindMemory(to: CChar.self, capacity: count + 1)
    }

    private func nulPath(_ field: StaticString) -> String {
        let names = [parents.0, parents.1, parents.2, parents.3].prefix(depth).map(\.description)
        return (names + [field.description]).joined(separator: ".")
    }

    /// Copies `bytes` into the arena.
    mutating func binaryData(_ bytes: [UInt8]) -> ProtobufCBinaryData {
        guard !bytes.isEmpty else { return ProtobufCBinaryData(len: 0, data: nil) }
        let data = allocate(UInt8.self, count: bytes.count)
        bytes.withUnsafeBufferPointer { source in
            data.update(from: source.baseAddress!, count: source.count)
        }
        return ProtobufCBinaryData(len: bytes.count, data: data)
    }

    /// Allocates a C message struct in the arena and initialises it with the
    /// descriptor's `message_init` (what the `*__INIT` macro would do).
    mutating func message<M: CBridgedMessage>(_ type: M.Type) -> UnsafeMutablePointer<M.CMessage> {
        let descriptor = M.cDescriptor.pointer
        let raw = allocateBytes(descriptor.pointee.sizeof_message, alignment: MemoryLayout<M.CMessage>.alignment)
        descriptor.pointee.message_init(raw.assumingMemoryBound(to: ProtobufCMessage.self))
        return raw.bindMemory(to: M.CMessage.self, capacity: 1)
    }

    /// Builds a repeated message field: an array of C structs plus the array
    /// of pointers to them that protobuf-c expects (`n_x`, `x`).
    mutating func repeated<M: CBridgedMessage>(
        _ elements: [M], field: StaticString
    ) -> (count: Int, pointers: UnsafeMutablePointer<UnsafeMutablePointer<M.CMessage>?>?) {
        guard !elements.isEmpty else { return (0, nil) }
        let pointers = allocate(UnsafeMutablePointer<M.CMessage>?.self, count: elements.count)
        enterParent(field)
        defer { depth -= 1 }
        for (index, element) in elements.enumerated() {
            let c = message(M.self)
            element.fill(c, arena: &self)
            (pointers + index).initialize(to: c)
        }
        return (elements.count, pointers)
    }

    /// Arena bytes `repeated(_:field:)` takes for `elements`.
    static func hint<M: CBridgedMessage>(repeated elements: [M]) -> Int {
        guard !elements.isEmpty else { return 0 }
        var total = hint(UnsafeMutableRawPointer?.self, count: elements.count)
        let size = M.cDescriptor.pointer.pointee.sizeof_message + 8
        for element in elements { total += size + element.cArenaHint }
        return total
    }

    /// Builds a singular message field: a C struct in the arena, filled
    /// from `message`. Always present on the wire (as an empty message when
    /// `message` has only default values).
    mutating func nested<M: CBridgedMessage>(_ message: M, field: StaticString) -> UnsafeMutablePointer<M.CMessage> {
        let c = self.message(M.self)
        enterParent(field)
        defer { depth -= 1 }
        message.fill(c, arena: &self)
        return c
    }

    /// Arena bytes `nested(_:field:)` takes for `message`.
    static func hint<M: CBridgedMessage>(message: M) -> Int {
        M.cDescriptor.pointer.pointee.sizeof_message + 8 + message.cArenaHint
    }

    /// Builds a repeated string field: the C strings plus the array of
    /// pointers to them that protobuf-c expects (`n_x`, `x`).
    mutating func cStrings(
        _ strings: [String], field: StaticString
    ) -> (count: Int, pointers: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) {
        guard !strings.isEmpty else { return (0, nil) }
        let pointers = allocate(UnsafeMutablePointer<CChar>?.self, count: strings.count)
        for (index, string) in strings.enumerated() {
            (pointers + index).initialize(to: cString(string, field: field))
        }
        return (strings.count, pointers)
    }

    /// Arena bytes `cStrings(_:field:)` takes for `strings`.
    static func hint(strings: [String]) -> Int {
        guard !strings.isEmpty else { return 0 }
        var total = hint(UnsafeMutableRawPointer?.self, count: strings.count)
        for string in strings { total += hint(string) }
        return total
    }

    /// Copies a repeated integer field (`uint32`, `uint64`, `int64`, ...)
    /// into the arena (`n_x`, `x`).
    mutating func scalars<T: FixedWidthInteger>(_ values: [T]) -> (count: Int, pointer: UnsafeMutablePointer<T>?) {
        guard !values.isEmpty else { return (0, nil) }
        let pointer = allocate(T.self, count: values.count)
        values.withUnsafeBufferPointer { source in
            pointer.initialize(from: source.baseAddress!, count: source.count)
        }
        return (values.count, pointer)
    }

    /// Arena bytes `scalars(_:)` takes for `values`.
    static func hint<T: FixedWidthInteger>(scalars values: [T]) -> Int {
        values.isEmpty ? 0 : hint(T.self, count: values.count)
    }

    /// Copies a repeated `bool` field into the arena as `protobuf_c_boolean`s
    /// (`n_x`, `x`).
    mutating func booleans(_ values: [Bool]) -> (count: Int, pointer: UnsafeMutablePointer<protobuf_c_boolean>?) {
        guard !values.isEmpty else { return (0, nil) }
        let pointer = allocate(protobuf_c_boolean.self, count: values.count)
        for (index, value) in values.enumerated() {
            (pointer + index).initialize(to: value ? 1 : 0)
        }
        return (values.count, pointer)
    }

    /// Arena bytes `booleans(_:)` takes for `values`.
    static func hint(booleans values: [Bool]) -> Int {
        values.isEmpty ? 0 : hint(protobuf_c_boolean.self, count: values.count)
    }

    /// Records `field` as the parent of the fields filled next, for
    /// `firstNULField` paths. The caller decrements `depth` when done.
    private mutating func enterParent(_ field: StaticString) {
        switch depth {
        case 0: parents.0 = field
        case 1: parents.1 = field
        case 2: parents.2 = field
        case 3: parents.3 = field
        default: break
        }
        depth += 1
    }
}
