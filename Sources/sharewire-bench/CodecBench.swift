import Foundation
import NIOCore
import SharewireMessages

/// `sharewire-bench --codec`: encode + decode per message type, in process.
///
/// For each message: `serialize(into:)` a reused `ByteBuffer`, `init(buffer:)`
/// back, and a check that the decoded message equals the original (so the
/// optimizer cannot drop the work), `iterations` times; the best of
/// `rounds` rounds, in nanoseconds of this thread's CPU time per round trip
/// (CPU time, not wall time, so that time descheduled on a busy machine
/// does not count). The messages are those
/// docs/MESSAGES.md gives figures for.
enum CodecBench {
    struct Row: Codable {
        var message: String
        var bytes: Int
        var nanosPerRoundTrip: Double
    }

    static func cases() -> [(String, any ProtoMessage)] {
        let devices = (0..<10).map { "dev_\(1_000 + $0)" }
        let emails = (0..<10).map { "recipient\($0)@example.com" }
        return [
            (
                "ShareRequest 10 devices x 10 emails, PORTS",
                ShareRequest(
                    deviceIDs: devices, emails: emails,
                    access: Access(mode: .ports, serviceIDs: ["svc_1", "svc_2"]), notify: true)
            ),
            ("CheckPortRequest", CheckPortRequest(userID: "acc_123456", deviceID: "dev_654321", port: 22)),
            ("CheckPortResponse", CheckPortResponse(allowed: true, revision: 123_456_789)),
            (
                "RequestHead, path + 2 metadata",
                RequestHead(
                    method: "/sharewire.v1.CheckService/Check", timeoutMicros: 5_000_000,
                    metadata: [
                        MetadataEntry(
                            key: "authorization", value: "Bearer sw_" + String(repeating: "0123456789abcdef", count: 4)),
                        MetadataEntry(key: "x-request-id", value: "8d1f4c2e-0b7a-4f7e-9a55-3c2b1e0f9d8a"),
                    ])
            ),
            ("RequestHead, method id only", RequestHead(methodID: 150)),
            ("EchoRequest, 1 KiB payload", EchoRequest(payload: Array(repeating: 0x5A, count: 1024))),
        ]
    }

    static func run(iterations: Int = 200_000, rounds: Int = 7) throws -> [Row] {
        try cases().map { name, message in try measure(name, message, iterations: iterations, rounds: rounds) }
    }

    private static func measure<M: ProtoMessage>(_ name: String, _ message: M, iterations: Int, rounds: Int) throws
        -> Row
    {
        var buffer = ByteBuffer()
        buffer.reserveCapacity(4096)
        var best = UInt64.max
        for _ in 0..<rounds {
            let start = threadCPUNanos()
            for _ in 0..<iterations {
                buffer.clear()
                message.serialize(into: &buffer)
                let decoded = try M(buffer: buffer)
                guard decoded == message else { throw BenchError("\(name): decoded message differs") }
            }
            best = min(best, threadCPUNanos() - start)
        }
        return Row(message: name, bytes: buffer.readableBytes, nanosPerRoundTrip: Double(best) / Double(iterations))
    }

    private static func threadCPUNanos() -> UInt64 {
        var t = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t)
        return UInt64(t.tv_sec) * 1_000_000_000 + UInt64(t.tv_nsec)
    }
}
