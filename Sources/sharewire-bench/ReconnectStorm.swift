import Foundation
import Histogram
import NIOPosix
import SharewireLoad
import SharewireMessages
import SharewireRPC
import Synchronization

/// `--reconnect-storm N`: N new connections, `parallel` at a time, each doing
/// its TCP (and TLS) handshake, the Sharewire preface and HELLO, one Echo,
/// and closing: what a fleet of clients reconnecting at once costs the server.
struct ReconnectStorm: Sendable {
    let port: Int
    let tls: ClientTLS?
    let connections: Int
    let parallel: Int
    let serverPID: Int32?
    let group: MultiThreadedEventLoopGroup

    struct Result: Codable {
        var connections: Int
        var parallel: Int
        var tls: Bool
        var errors: Int
        var seconds: Double
        var connectionsPerSecond: Double
        /// Connect + first Echo, per connection.
        var p50Micros: Double
        var p99Micros: Double
        var serverCPUMicrosPerConnection: Double?

        var row: String {
            func f(_ v: Double, _ digits: Int = 1) -> String { String(format: "%.\(digits)f", v) }
            return "| \(tls ? "TLS" : "plaintext") | \(connections) | \(parallel) | \(f(connectionsPerSecond, 0)) | "
                + "\(f(p50Micros)) | \(f(p99Micros)) | \(serverCPUMicrosPerConnection.map { f($0) } ?? "n/a") | \(errors) |"
        }
    }

    static let header = """
        | transport | connections | parallel | connections/s | p50 µs (connect + Echo) | p99 µs | server CPU µs/connection | errors |
        |---|---:|---:|---:|---:|---:|---:|---:|
        """

    func run() async throws -> Result {
        let config = {
            var config = ClientConfiguration(host: "127.0.0.1", port: port)
            config.tls = tls
            config.connections = 1
            config.defaultTimeout = .seconds(30)
            config.keepaliveInterval = nil
            return config
        }()
        let (connections, group) = (self.connections, self.group)
        let request = EchoRequest(payload: [0x5A])
        let clock = ContinuousClock()
        let serverBefore = serverPID.flatMap(ProcessCPU.microseconds(pid:))
        let start = clock.now
        let next = Counter()
        let merged = await withTaskGroup(of: WorkerResult.self) { tasks in
            for _ in 0..<min(parallel, connections) {
                tasks.addTask {
                    var result = WorkerResult()
                    while next.take() < connections {
                        let began = clock.now
                        let client = RPCClient(configuration: config, group: group)
                        do {
                            try await client.connect()
                            _ = try await client.unary(
                                Sharewire_V1.Diagnostics.Method.Echo.descriptor, request,
                                responseType: EchoResponse.self)
                            result.histogram.record(UInt64((clock.now - began).nanosecondsClamped))
                        } catch {
                            result.errors += 1
                        }
                        client.close()
                    }
                    return result
                }
            }
            var total = WorkerResult()
            for await part in tasks {
                total.histogram.add(part.histogram)
                total.errors += part.errors
            }
            return total
        }
        let elapsed = clock.now - start
        let serverAfter = serverPID.flatMap(ProcessCPU.microseconds(pid:))
        let seconds = Double(elapsed.nanosecondsClamped) / 1e9
        let done = Int(merged.histogram.totalCount)
        return Result(
            connections: connections, parallel: parallel, tls: tls != nil, errors: Int(merged.errors), seconds: seconds,
            connectionsPerSecond: Double(done) / seconds,
            p50Micros: Double(merged.histogram.valueAtPercentile(50)) / 1000,
            p99Micros: Double(merged.histogram.valueAtPercentile(99)) / 1000,
            serverCPUMicrosPerConnection: serverBefore.flatMap { b in
                serverAfter.map { a in done > 0 ? (a - b) / Double(done) : 0 }
            })
    }
}

/// Hands out connection numbers to the storm's workers.
private final class Counter: Sendable {
    private let value = Atomic<Int>(0)
    func take() -> Int { value.add(1, ordering: .relaxed).oldValue }
}
