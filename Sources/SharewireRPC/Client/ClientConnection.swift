import Logging
import NIOCore
import NIOPosix
import NIOSSL
import Synchronization

/// A handshaken connection, usable from any thread.
final class ClientConnection: Sendable {
    let channel: any Channel
    private let handler: NIOLoopBound<ClientConnectionHandler>
    private let usableFlag: Atomic<Bool>

    var eventLoop: any EventLoop { channel.eventLoop }
    /// False once the server sent GOAWAY or the connection closed.
    var isUsable: Bool { usableFlag.load(ordering: .relaxed) && channel.isActive }

    private init(channel: any Channel, handler: NIOLoopBound<ClientConnectionHandler>) {
        self.channel = channel
        self.handler = handler
        self.usableFlag = Atomic(true)
    }

    /// Connects and completes the handshake (preface and HELLO both ways).
    /// - Parameter tlsContext: made from `configuration.tls` (once per client).
    static func connect(
        configuration: ClientConfiguration, tlsContext: NIOSSLContext?, group: any EventLoopGroup,
        logger: Logger
    ) async throws -> ClientConnection {
        let endpoint =
            configuration.host.contains(":")
            ? "[\(configuration.host)]:\(configuration.port)"
            : "\(configuration.host):\(configuration.port)"
        let promiseBox = Mutex<EventLoopPromise<ClientConnection>?>(nil)
        let channel = try await ClientBootstrap(group: group)
            .connectTimeout(configuration.connectTimeout)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelOption(.maxMessagesPerRead, value: 16)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let tls = configuration.tls, let tlsContext {
                        try channel.pipeline.syncOperations.addHandlers(
                            tls.handlers(context: tlsContext, host: configuration.host, endpoint: endpoint))
                    } else {
                        try channel.pipeline.syncOperations.addHandler(PlaintextTLSProbe(endpoint: endpoint))
                    }
                    let handshake = channel.eventLoop.makePromise(of: Void.self)
                    let ready = channel.eventLoop.makePromise(of: ClientConnection.self)
                    let connectionBox = Mutex<ClientConnection?>(nil)
                    let handler = ClientConnectionHandler(config: configuration, logger: logger, handshake: handshake) {
                        connectionBox.withLock { $0 }?.markUnusable()
                    }
                    try channel.pipeline.syncOperations.addHandler(handler)
                    let connection = ClientConnection(
                        channel: channel,
                        handler: NIOLoopBound(handler, eventLoop: channel.eventLoop))
                    connectionBox.withLock { $0 = connection }
                    // connection → handler → callback → box → connection is a
                    // cycle; the box lets go once the channel is closed.
                    channel.closeFuture.whenComplete { _ in connectionBox.withLock { $0 = nil } }
                    handshake.futureResult.map { connection }.cascade(to: ready)
                    promiseBox.withLock { $0 = ready }
                }
            }
            .connect(host: configuration.host, port: configuration.port)
            .get()
        guard let ready = promiseBox.withLock({ $0 }) else {
            channel.close(promise: nil)
            throw RPCError(.internal, "connection initializer did not run", notProcessed: true)
        }
        let timeout = channel.eventLoop.scheduleTask(in: configuration.connectTimeout) {
            ready.fail(RPCError(.unavailable, "handshake timed out", notProcessed: true))
            channel.close(promise: nil)
        }
        defer { timeout.cancel() }
        return try await ready.futureResult.get()
    }

    private func markUnusable() {
        usableFlag.store(false, ordering: .relaxed)
    }

    /// Starts a call, on the event loop (directly when already on it).
    func start(_ call: CallStart, handle: CallHandle) {
        if eventLoop.inEventLoop {
            handler.value.start(call, handle: handle)
        } else {
            let handler = self.handler
            eventLoop.execute { handler.value.start(call, handle: handle) }
        }
    }

    /// Cancels a call; safe to race with `start`.
    func cancel(_ handle: CallHandle) {
        handle.cancelled.store(true, ordering: .sequentiallyConsistent)
        let handler = self.handler
        eventLoop.execute { handler.value.cancel(handle) }
    }

    /// Stops taking calls and closes once the running ones finish.
    func close() {
        markUnusable()
        let handler = self.handler
        eventLoop.execute { handler.value.close() }
    }
}
