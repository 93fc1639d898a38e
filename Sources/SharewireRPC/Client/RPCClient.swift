import Logging
import NIOCore
import NIOPosix
import SharewireMessages

/// A Sharewire RPC client: multiplexes calls over a small pool of
/// connections, with per-call deadlines and metadata.
///
/// Cancelling the calling task sends CANCEL to the server. A call the server
/// never started (refused by GOAWAY, connection not up) fails with
/// UNAVAILABLE and `RPCError.notProcessed == true`, so it is safe to retry.
public final class RPCClient: Sendable {
    public let configuration: ClientConfiguration
    let pool: ClientConnectionPool

    public init(
        configuration: ClientConfiguration,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger = Logger(label: "sharewire.rpc.client")
    ) {
        self.configuration = configuration
        self.pool = ClientConnectionPool(configuration: configuration, group: group, logger: logger)
    }

    /// Connects eagerly, so the first call does not pay for the handshake.
    public func connect() async throws(RPCError) {
        for _ in 0..<max(1, configuration.connections) { _ = try await pool.connection() }
    }

    /// How ready the client is to take a call now, without connecting or
    /// waiting: a caller with several servers prefers the readiest.
    public var readiness: ConnectionReadiness { pool.readiness }

    /// The event loop of a pooled connection. A task that prefers it (see
    /// `withTaskExecutorPreference`) makes calls without a thread hop.
    public func eventLoopForNextCall() async throws(RPCError) -> any EventLoop {
        try await pool.connection().eventLoop
    }

    /// Makes a unary call.
    /// - Parameters:
    ///   - timeout: the deadline, relative to now; `configuration.defaultTimeout` when nil.
    /// - Throws: `RPCError` with the server's status, or a local one for a
    ///   deadline, cancellation or connection failure.
    public func unary<Request: ProtoMessage, Response: ProtoMessage>(
        _ method: MethodDescriptor, _ request: Request, metadata: Metadata = [], timeout: Duration? = nil,
        responseType: Response.Type = Response.self
    ) async throws(RPCError) -> Response {
        let connection = try await pool.connection()
        let handle = CallHandle()
        let timeout = timeout ?? configuration.defaultTimeout
        let result = await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Result<Response, RPCError>, Never>) in
                connection.start(
                    CallStart(
                        method: method, metadata: metadata, timeout: timeout,
                        writeMessage: { request.serialize(into: &$0) },
                        onMessage: nil,
                        onEnd: { outcome in
                            continuation.resume(
                                returning: outcome.flatMap { bytes in
                                    Result { () throws(ProtoDecodingError) in try Response(buffer: bytes) }
                                        .mapError { RPCError(.internal, "malformed response message: \($0)") }
                                })
                        }), handle: handle)
            }
        } onCancel: {
            connection.cancel(handle)
        }
        return try result.get()
    }

    /// Starts a server-streaming call. Responses arrive through the returned
    /// sequence, which ends when the server's status is OK and throws
    /// `RPCError` otherwise. Ending iteration early cancels the call.
    public func serverStream<Request: ProtoMessage, Response: ProtoMessage>(
        _ method: MethodDescriptor, _ request: Request, metadata: Metadata = [], timeout: Duration? = nil,
        responseType: Response.Type = Response.self
    ) async throws(RPCError) -> ServerStream<Response> {
        let connection = try await pool.connection()
        let handle = CallHandle()
        let (stream, continuation) = AsyncThrowingStream.makeStream(of: Response.self)
        continuation.onTermination = { reason in
            if case .cancelled = reason { connection.cancel(handle) }
        }
        connection.start(
            CallStart(
                method: method, metadata: metadata, timeout: timeout,
                writeMessage: { request.serialize(into: &$0) },
                onMessage: { bytes in
                    do {
                        continuation.yield(try Response(buffer: bytes))
                    } catch {
                        continuation.finish(throwing: RPCError(.internal, "malformed stream message: \(error)"))
                        connection.cancel(handle)
                    }
                },
                onEnd: { outcome in
                    switch outcome {
                    case .success: continuation.finish()
                    case let .failure(error): continuation.finish(throwing: error)
                    }
                }), handle: handle)
        return ServerStream(base: stream, cancel: { connection.cancel(handle) })
    }

    /// Closes all connections after their running calls finish.
    public func close() {
        pool.close()
    }
}

/// How ready an ``RPCClient`` is to take a call, best first (so `<` is "readier").
public enum ConnectionReadiness: Int, Sendable, Hashable, Comparable, CustomStringConvertible {
    /// A connection is up and takes calls.
    case ready
    /// No connection yet (or it went away, e.g. after GOAWAY) and none failing:
    /// the next call connects.
    case idle
    /// A connection attempt is running; a call waits for it.
    case connecting
    /// The last attempt failed and its backoff is over: the next call tries again.
    case recovering
    /// The last attempt failed and its backoff is not over: a call fails at
    /// once with UNAVAILABLE (not processed).
    case failing
    /// The client was closed.
    case closed

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }

    /// e.g. `ready`.
    public var description: String {
        switch self {
        case .ready: "ready"
        case .idle: "idle"
        case .connecting: "connecting"
        case .recovering: "recovering"
        case .failing: "failing"
        case .closed: "closed"
        }
    }
}

/// The responses of a server-streaming call.
///
/// Iterate it once. Leaving the loop early (break, throw, task cancellation)
/// cancels the call on the server.
public struct ServerStream<Element: Sendable>: AsyncSequence, Sendable {
    let base: AsyncThrowingStream<Element, any Error>
    let cancel: @Sendable () -> Void

    public struct AsyncIterator: AsyncIteratorProtocol {
        var base: AsyncThrowingStream<Element, any Error>.AsyncIterator
        let guardian: CancelOnRelease

        /// The next response, nil after an OK end.
        /// - Throws: `RPCError` when the call ended with an error.
        public mutating func next() async throws -> Element? {
            try await base.next()
        }
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(base: base.makeAsyncIterator(), guardian: CancelOnRelease(cancel))
    }
}

/// Cancels a stream's call when its iterator is released, which is how an
/// early `break` reaches the server. After a normal end the cancel finds no
/// call and does nothing.
public final class CancelOnRelease: Sendable {
    private let cancel: @Sendable () -> Void

    init(_ cancel: @escaping @Sendable () -> Void) {
        self.cancel = cancel
    }

    deinit { cancel() }
}
