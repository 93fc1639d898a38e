import NIOCore
import NIOHTTP1
import NIOPosix
import Prometheus

/// A minimal HTTP/1.1 server answering `GET /metrics` with the Prometheus
/// text exposition format of a registry. Anything else is 404 (405 for
/// another method on /metrics). Meant for loopback: it has no auth.
enum MetricsEndpoint {
    /// Binds and serves; returns the listener and its bound address.
    static func start(host: String, port: Int, registry: PrometheusCollectorRegistry,
                      group: any EventLoopGroup) async throws -> (any Channel, SocketAddress) {
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 16)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    try channel.pipeline.syncOperations.addHandler(MetricsHTTPHandler(registry: registry))
                }
            }
            .bind(host: host, port: port)
            .get()
        guard let address = channel.localAddress else {
            try? await channel.close()
            throw MetricsEndpointError(description: "metrics listener has no local address")
        }
        return (channel, address)
    }
}

struct MetricsEndpointError: Error, CustomStringConvertible {
    let description: String
}

/// Answers each request once its end has arrived; keeps the connection open
/// when the client asked for keep-alive (Prometheus does).
final class MetricsHTTPHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let registry: PrometheusCollectorRegistry
    private var head: HTTPRequestHead?
    /// Reused between scrapes of one connection.
    private var scratch: [UInt8] = []

    init(registry: PrometheusCollectorRegistry) {
        self.registry = registry
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case let .head(head):
            self.head = head
        case .body:
            break  // a scrape has no body; ignore any
        case .end:
            guard let head else { return }
            self.head = nil
            respond(context: context, to: head)
        }
    }

    private func respond(context: ChannelHandlerContext, to request: HTTPRequestHead) {
        let path = request.uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        let status: HTTPResponseStatus
        var body = context.channel.allocator.buffer(capacity: 0)
        var headers = HTTPHeaders()
        if path == "/metrics" {
            if request.method == .GET || request.method == .HEAD {
                status = .ok
                scratch.removeAll(keepingCapacity: true)
                registry.emit(into: &scratch)
                if request.method == .GET { body.writeBytes(scratch) }
                headers.add(name: "content-type", value: "text/plain; version=0.0.4; charset=utf-8")
                headers.add(name: "content-length", value: String(scratch.count))
            } else {
                status = .methodNotAllowed
                headers.add(name: "allow", value: "GET, HEAD")
                headers.add(name: "content-length", value: "0")
            }
        } else {
            status = .notFound
            body.writeString("not found; try /metrics\n")
            headers.add(name: "content-type", value: "text/plain; charset=utf-8")
            headers.add(name: "content-length", value: String(body.readableBytes))
        }
        let keepAlive = request.isKeepAlive
        if !keepAlive { headers.add(name: "connection", value: "close") }
        let head = HTTPResponseHead(version: request.version, status: status, headers: headers)
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        if body.readableBytes > 0 { context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil) }
        let done = context.writeAndFlush(wrapOutboundOut(.end(nil)))
        if !keepAlive {
            let channel = context.channel
            done.whenComplete { _ in channel.close(promise: nil) }
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
