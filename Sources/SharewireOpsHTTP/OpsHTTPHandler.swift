import NIOCore
import NIOHTTP1

/// Answers the operations endpoint's routes once a request's end has
/// arrived; keeps the connection open when the client asked for keep-alive
/// (Prometheus does). Request bodies are read and ignored.
final class OpsHTTPHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let routes: OpsRoutes
    private var head: HTTPRequestHead?
    /// Reused between scrapes of one connection.
    private var scratch: [UInt8] = []

    init(routes: OpsRoutes) {
        self.routes = routes
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case let .head(head):
            self.head = head
        case .body:
            break
        case .end:
            guard let head else { return }
            self.head = nil
            respond(context: context, to: head)
        }
    }

    private func respond(context: ChannelHandlerContext, to request: HTTPRequestHead) {
        scratch.removeAll(keepingCapacity: true)
        let answer = routes.answer(method: request.method, uri: request.uri, body: &scratch)
        var headers = HTTPHeaders()
        headers.add(name: "content-type", value: answer.contentType)
        headers.add(name: "content-length", value: String(scratch.count))
        headers.add(name: "cache-control", value: "no-store")
        if let allow = answer.allow { headers.add(name: "allow", value: allow) }
        let keepAlive = request.isKeepAlive
        if !keepAlive { headers.add(name: "connection", value: "close") }
        context.write(
            wrapOutboundOut(
                .head(
                    HTTPResponseHead(
                        version: request.version, status: answer.status,
                        headers: headers))), promise: nil)
        if request.method != .HEAD, !scratch.isEmpty {
            var body = context.channel.allocator.buffer(capacity: scratch.count)
            body.writeBytes(scratch)
            context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
        }
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

/// The routes, apart from HTTP: `/metrics`, `/healthz`, `/readyz`.
struct OpsRoutes: Sendable {
    struct Answer: Equatable {
        var status: HTTPResponseStatus
        var contentType = "text/plain; charset=utf-8"
        var allow: String?
    }

    static let prometheusContentType = "text/plain; version=0.0.4; charset=utf-8"

    let readiness: Readiness
    /// Appends the Prometheus text exposition; nil when metrics are off.
    let metrics: (@Sendable (inout [UInt8]) -> Void)?

    func answer(method: HTTPMethod, uri: String, body: inout [UInt8]) -> Answer {
        let path = uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        guard ["/metrics", "/healthz", "/readyz"].contains(path) else {
            body += Array("not found; try /metrics, /healthz or /readyz\n".utf8)
            return Answer(status: .notFound)
        }
        guard method == .GET || method == .HEAD else {
            return Answer(status: .methodNotAllowed, allow: "GET, HEAD")
        }
        switch path {
        case "/metrics":
            guard let metrics else {
                body += Array("metrics are off\n".utf8)
                return Answer(status: .notFound)
            }
            metrics(&body)
            return Answer(status: .ok, contentType: Self.prometheusContentType)
        case "/healthz":
            // The process is up and its event loop answers.
            body += Array("ok\n".utf8)
            return Answer(status: .ok)
        default:
            let phase = readiness.phase
            body += Array("\(phase)\n".utf8)
            return Answer(status: phase == .serving ? .ok : .serviceUnavailable)
        }
    }
}
