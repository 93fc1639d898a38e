// Fuzz target: the inbound frame decoder (SharewireWire.FrameDecoder).
//
// Input: 2 control bytes (role, preface expected, max frame size), 4 bytes
// choosing chunk sizes, then the bytes as they arrive. The decoder must never
// trap, must never consume more than it was given, and chunked decoding
// must produce exactly the events and the error of decoding everything at
// once (arrival boundaries are invisible to the protocol).
import FuzzSupport
import NIOCore
import SharewireWire

/// What one decoding run produced, comparable across chunkings.
struct Outcome: Equatable {
    var events: [String] = []
    var error: FrameDecodingError?
    var finishError: FrameDecodingError?
}

func describe(_ event: FrameEvent) -> String {
    switch event {
    case let .preface(preface): return "preface \(preface.major).\(preface.minor)"
    case let .frame(frame):
        return "frame \(frame.header) \(Array(frame.payload.readableBytesView))"
    case let .oversized(header): return "oversized \(header)"
    }
}

func decode(
    _ chunks: [UnsafeBufferPointer<UInt8>], role: FrameRole, maxFrameSize: UInt32,
    expectPreface: Bool
) -> Outcome {
    var decoder = FrameDecoder(role: role, maxFrameSize: maxFrameSize, expectPreface: expectPreface)
    var buffer = ByteBuffer()
    var outcome = Outcome()
    for chunk in chunks {
        buffer.writeBytes(chunk)
        do throws(FrameDecodingError) {
            while true {
                let before = buffer.readableBytes
                guard let event = try decoder.next(from: &buffer) else { break }
                precondition(buffer.readableBytes <= before, "decoder grew the buffer")
                outcome.events.append(describe(event))
                // Bounded: every event consumes at least the preface or a header.
                precondition(buffer.readableBytes < before, "event without consuming bytes")
            }
        } catch {
            outcome.error = error
            return outcome
        }
    }
    do throws(FrameDecodingError) { try decoder.finish(leftover: buffer) } catch { outcome.finishError = error }
    return outcome
}

@_cdecl("LLVMFuzzerTestOneInput")
func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = ChunkedInput(fuzzInput(data, size), controlBytes: 2)
    let role: FrameRole = input.control[0] & 1 == 0 ? .server : .client
    let expectPreface = input.control[0] & 2 == 0
    // 0 ... 64 KiB, so small limits (oversized frames) are reachable.
    let maxFrameSize = UInt32(input.control[1]) << 8
    let chunked = decode(input.chunks, role: role, maxFrameSize: maxFrameSize, expectPreface: expectPreface)
    let whole = decode(
        input.data.isEmpty ? [] : [input.data], role: role, maxFrameSize: maxFrameSize,
        expectPreface: expectPreface)
    if chunked != whole {
        fatalError("chunking changed the outcome:\nchunked \(chunked)\nwhole   \(whole)")
    }
    return 0
}

@_cdecl("FuzzFrameDecoder_main")
func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc: argc, argv: argv, fuzzOne)
}
