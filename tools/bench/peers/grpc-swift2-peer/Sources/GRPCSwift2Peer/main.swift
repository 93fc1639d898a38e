import GRPCCore
import GRPCNIOTransportHTTP2
import NIOPosix
import SharingDomain

#if canImport(Glibc)
    import Glibc
#endif

// grpc-swift-2 peer for tools/bench/compare.
//
//   GRPCSwift2Peer [--port N] [--threads N] [--auth-cache-size N]
//
// Serves plaintext HTTP/2 on 127.0.0.1. Prints "listening on 127.0.0.1:PORT"
// and a "check: key=… user=… device=… port=22" line the harness uses to build
// its Check request, then serves until SIGTERM or SIGINT.

var port = 0
var threads = 1
var authCacheSize = 4096  // sharewired's default --auth-cache-size
var arguments = CommandLine.arguments.dropFirst()
while let flag = arguments.popFirst() {
    guard let value = arguments.popFirst().flatMap({ Int($0) }) else {
        FileHandleOut.error("usage: GRPCSwift2Peer [--port N] [--threads N] [--auth-cache-size N]")
        exit(2)
    }
    switch flag {
    case "--port": port = value
    case "--threads": threads = value
    case "--auth-cache-size": authCacheSize = value
    default:
        FileHandleOut.error("unknown flag \(flag)")
        exit(2)
    }
}

enum FileHandleOut {
    static func line(_ s: String) {
        print(s)
        fflush(nil)
    }

    static func error(_ s: String) {
        var text = s + "\n"
        text.withUTF8 { _ = write(2, $0.baseAddress, $0.count) }
    }
}

let seeded = try CheckSeed.make()
let group = MultiThreadedEventLoopGroup(numberOfThreads: threads)
// grpc-swift-nio-transport leaves SETTINGS_MAX_CONCURRENT_STREAMS to NIOHTTP2's
// default of 100; h2load then stalls at 256 streams on one connection. Allow
// what the benchmark sends (as grpc-swift's own docs show, 256) and more.
var config = HTTP2ServerTransport.Posix.Config.defaults
config.http2.maxConcurrentStreams = 1024
let transport = HTTP2ServerTransport.Posix(
    address: .ipv4(host: "127.0.0.1", port: port),
    transportSecurity: .plaintext, config: config, eventLoopGroup: group)
let service = PeerService(checker: PeerCheck(snapshots: seeded.snapshots, cache: AuthCache(capacity: authCacheSize)))
let server = GRPCServer(transport: transport, services: [service])

try await withThrowingDiscardingTaskGroup { tasks in
    tasks.addTask { try await server.serve() }
    guard let address = try await transport.listeningAddress.ipv4 else {
        FileHandleOut.error("not listening on IPv4")
        exit(1)
    }
    FileHandleOut.line(
        "check: key=\(seeded.friendKey) user=\(seeded.friend.external) device=\(seeded.device.external) port=22")
    FileHandleOut.line("listening on \(address.host):\(address.port)")
}
