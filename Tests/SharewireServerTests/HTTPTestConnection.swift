import Foundation
import NIOCore
import NIOPosix

/// A bare TCP connection speaking hand-written HTTP/1.1, for the operations
/// endpoint's tests: half-sent requests, idle connections, the connection cap.
struct HTTPTestConnection {
    private let channel: any Channel
    private var inbound: AsyncStream<ByteBuffer>.AsyncIterator
    private var buffered = ""
    /// The server closed the connection.
    private(set) var closed = false

    static func connect(port: Int) async throws -> HTTPTestConnection {
        let (stream, continuation) = AsyncStream.makeStream(of: ByteBuffer.self)
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(Collector(continuation: continuation))
                }
            }
            .connect(host: "127.0.0.1", port: port)
            .get()
        return HTTPTestConnection(channel: channel, inbound: stream.makeAsyncIterator())
    }

    func send(_ text: String) async throws {
        try await sender.send(text)
    }

    /// Sends (and closes) from another task while this one reads.
    var sender: HTTPTestSender { HTTPTestSender(channel: channel) }

    /// `GET path` with keep-alive, and its response.
    mutating func get(_ path: String, method: String = "GET") async throws -> HTTPTestResponse? {
        try await send("\(method) \(path) HTTP/1.1\r\nHost: test\r\n\r\n")
        return try await readResponse(bound: .seconds(10), bodiless: method == "HEAD")
    }

    /// Reads one response (status line, headers, content-length body), or
    /// nil if the server closes first. Our side closes after `bound`.
    /// A `bodiless` response (to HEAD) has a content-length but no body.
    mutating func readResponse(bound: TimeAmount, bodiless: Bool = false) async throws -> HTTPTestResponse? {
        let guardTimer = closeAfter(bound)
        defer { guardTimer.cancel() }
        while true {
            if let response = HTTPTestResponse.parse(&buffered, bodiless: bodiless) { return response }
            guard let chunk = try await nextChunk() else { return nil }
            buffered += chunk
        }
    }

    /// Waits until the server closes the connection; returns whether it did
    /// within `bound` (our side closes then and returns false).
    mutating func waitForServerClose(bound: TimeAmount) async throws -> Bool {
        let start = NIODeadline.now()
        let guardTimer = closeAfter(bound)
        defer { guardTimer.cancel() }
        while try await nextChunk() != nil {}
        return NIODeadline.now() - start < bound
    }

    func close() async {
        await sender.close()
    }

    private mutating func nextChunk() async throws -> String? {
        guard !closed else { return nil }
        if let bytes = await inbound.next() { return String(buffer: bytes) }
        closed = true
        return nil
    }

    /// Hands every read to the stream; ends it when the connection closes
    /// (a reset is a close too).
    private final class Collector: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        let continuation: AsyncStream<ByteBuffer>.Continuation

        init(continuation: AsyncStream<ByteBuffer>.Continuation) {
            self.continuation = continuation
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            continuation.yield(unwrapInboundIn(data))
        }

        func channelInactive(context: ChannelHandlerContext) {
            continuation.finish()
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            context.close(promise: nil)
        }
    }

    private func closeAfter(_ delay: TimeAmount) -> Scheduled<Void> {
        let channel = self.channel
        return channel.eventLoop.scheduleTask(in: delay) { channel.close(promise: nil) }
    }
}

/// The writing side of an ``HTTPTestConnection``.
struct HTTPTestSender: Sendable {
    let channel: any Channel

    func send(_ text: String) async throws {
        try await channel.writeAndFlush(ByteBuffer(string: text))
    }

    func close() async {
        try? await channel.close()
    }
}

/// One HTTP response as the tests read it.
struct HTTPTestResponse {
    var status: Int
    var headers: [String: String]
    var body: String

    /// Takes one complete response off the front of `text`.
    static func parse(_ text: inout String, bodiless: Bool = false) -> HTTPTestResponse? {
        guard let end = text.range(of: "\r\n\r\n") else { return nil }
        let lines = text[..<end.lowerBound].components(separatedBy: "\r\n")
        guard let statusLine = lines.first, let status = Int(statusLine.split(separator: " ").dropFirst().first ?? "")
        else { return nil }
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(
                in: .whitespaces)
        }
        let length = bodiless ? 0 : Int(headers["content-length"] ?? "0") ?? 0
        let rest = text[end.upperBound...]
        guard rest.utf8.count >= length else { return nil }
        let body = String(decoding: rest.utf8.prefix(length), as: UTF8.self)
        text = String(decoding: rest.utf8.dropFirst(length), as: UTF8.self)
        return HTTPTestResponse(status: status, headers: headers, body: body)
    }
}
