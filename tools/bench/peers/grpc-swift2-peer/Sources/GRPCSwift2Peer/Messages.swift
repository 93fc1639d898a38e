import GRPCCore

// Hand-written protobuf (proto3) encoding of the four messages the peer
// serves, wire-compatible with proto/sharewire/v1/{diagnostics,check}.proto.
// This stands in for swift-protobuf generated code (whose protoc plugin takes
// about 10 minutes to build here); it is leaner than SwiftProtobuf's generic
// codec, so if anything it favours the peer. Unknown fields are skipped, as
// protobuf requires.

struct EchoRequest: Sendable {
    var payload: [UInt8] = []
}

struct EchoResponse: Sendable {
    var payload: [UInt8] = []
}

struct CheckPortRequest: Sendable {
    var userID = ""
    var deviceID = ""
    var port: UInt32 = 0
    var minRevision: UInt64 = 0
}

struct CheckPortResponse: Sendable {
    var allowed = false
    var revision: UInt64 = 0
}

struct DecodeError: Error {}

/// A protobuf field reader over contiguous bytes.
struct ProtoReader {
    let bytes: UnsafeRawBufferPointer
    var index = 0

    init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    var atEnd: Bool { index >= bytes.count }

    mutating func varint() throws(DecodeError) -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while index < bytes.count, shift < 64 {
            let byte = bytes[index]
            index += 1
            result |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 { return result }
            shift += 7
        }
        throw DecodeError()
    }

    mutating func lengthDelimited() throws(DecodeError) -> UnsafeRawBufferPointer {
        let length = try varint()
        guard length <= UInt64(bytes.count - index) else { throw DecodeError() }
        let slice = UnsafeRawBufferPointer(rebasing: bytes[index..<(index + Int(length))])
        index += Int(length)
        return slice
    }

    /// Skips a field of `wireType` that this reader does not know.
    mutating func skip(wireType: UInt64) throws(DecodeError) {
        switch wireType {
        case 0: _ = try varint()
        case 1: try advance(8)
        case 2: _ = try lengthDelimited()
        case 5: try advance(4)
        default: throw DecodeError()
        }
    }

    private mutating func advance(_ n: Int) throws(DecodeError) {
        guard bytes.count - index >= n else { throw DecodeError() }
        index += n
    }
}

/// A protobuf writer into a growing byte array.
struct ProtoWriter {
    var bytes: [UInt8] = []

    init(capacity: Int) { bytes.reserveCapacity(capacity) }

    mutating func varint(_ value: UInt64) {
        var v = value
        while v >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(v))
    }

    mutating func bytesField(_ number: UInt64, _ value: [UInt8]) {
        guard !value.isEmpty else { return }
        varint(number << 3 | 2)
        varint(UInt64(value.count))
        bytes.append(contentsOf: value)
    }

    mutating func varintField(_ number: UInt64, _ value: UInt64) {
        guard value != 0 else { return }
        varint(number << 3)
        varint(value)
    }
}

extension EchoRequest {
    init(decoding raw: UnsafeRawBufferPointer) throws(DecodeError) {
        var reader = ProtoReader(raw)
        while !reader.atEnd {
            let tag = try reader.varint()
            if tag == (1 << 3 | 2) {
                payload = Array(try reader.lengthDelimited())
            } else {
                try reader.skip(wireType: tag & 7)
            }
        }
    }
}

extension EchoResponse {
    func encoded() -> [UInt8] {
        var writer = ProtoWriter(capacity: payload.count + 8)
        writer.bytesField(1, payload)
        return writer.bytes
    }
}

extension CheckPortRequest {
    init(decoding raw: UnsafeRawBufferPointer) throws(DecodeError) {
        var reader = ProtoReader(raw)
        while !reader.atEnd {
            let tag = try reader.varint()
            switch tag {
            case 1 << 3 | 2: userID = String(decoding: try reader.lengthDelimited(), as: UTF8.self)
            case 2 << 3 | 2: deviceID = String(decoding: try reader.lengthDelimited(), as: UTF8.self)
            case 3 << 3 | 0: port = UInt32(truncatingIfNeeded: try reader.varint())
            case 4 << 3 | 0: minRevision = try reader.varint()
            default: try reader.skip(wireType: tag & 7)
            }
        }
    }
}

extension CheckPortResponse {
    func encoded() -> [UInt8] {
        var writer = ProtoWriter(capacity: 16)
        writer.varintField(1, allowed ? 1 : 0)
        writer.varintField(2, revision)
        return writer.bytes
    }
}

// MARK: - grpc-swift-2 coding

struct EchoRequestDeserializer: MessageDeserializer {
    func deserialize<Bytes: GRPCContiguousBytes>(_ serializedMessageBytes: Bytes) throws -> EchoRequest {
        try serializedMessageBytes.withUnsafeBytes { raw throws(DecodeError) in try EchoRequest(decoding: raw) }
    }
}

struct EchoResponseSerializer: MessageSerializer {
    func serialize<Bytes: GRPCContiguousBytes>(_ message: EchoResponse) throws -> Bytes {
        Bytes(message.encoded())
    }
}

struct CheckPortRequestDeserializer: MessageDeserializer {
    func deserialize<Bytes: GRPCContiguousBytes>(_ serializedMessageBytes: Bytes) throws -> CheckPortRequest {
        try serializedMessageBytes.withUnsafeBytes { raw throws(DecodeError) in try CheckPortRequest(decoding: raw) }
    }
}

struct CheckPortResponseSerializer: MessageSerializer {
    func serialize<Bytes: GRPCContiguousBytes>(_ message: CheckPortResponse) throws -> Bytes {
        Bytes(message.encoded())
    }
}
