import Logging
import NIOCore

/// First in an operations-endpoint connection's pipeline, on raw bytes:
/// drives ``HTTPConnectionTimeouts`` and closes the connection when it says
/// so. One timer per phase change, not per read.
final class HTTPTimeoutHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private var clock: HTTPConnectionTimeouts
    private var timer: Scheduled<Void>?
    private let metrics: OpsEndpointMetrics
    private let logger: Logger

    init(idleTimeout: TimeAmount, requestTimeout: TimeAmount, metrics: OpsEndpointMetrics, logger: Logger) {
        self.clock = HTTPConnectionTimeouts(idleTimeout: idleTimeout, requestTimeout: requestTimeout, now: .now())
        self.metrics = metrics
        self.logger = logger
    }

    func handlerAdded(context: ChannelHandlerContext) {
        schedule(context: context)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
    }

    func channelInactive(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if clock.bytesReceived(at: .now()) { schedule(context: context) }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if clock.responseSent(at: .now()) { schedule(context: context) }
        context.write(data, promise: promise)
    }

    private func schedule(context: ChannelHandlerContext) {
        timer?.cancel()
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        timer = context.eventLoop.scheduleTask(deadline: clock.deadline) {
            let (handler, context) = bound.value
            handler.timerFired(context: context)
        }
    }

    private func timerFired(context: ChannelHandlerContext) {
        guard context.channel.isActive else { return }
        guard let phase = clock.expired(at: .now()) else { return schedule(context: context) }
        let what = phase == .idle ? "idle" : "request"
        metrics.timedOut(phase: what)
        logger.debug(
            "closing HTTP connection: \(what) timeout",
            metadata: ["peer": "\(context.channel.remoteAddress.map { "\($0)" } ?? "unknown")"])
        context.close(promise: nil)
    }
}
