import NIOCore
import SharewireMessages

/// One connection of an `RPCClient`'s pool, for callers that start many
/// unary calls from the connection's own event loop and want neither a task
/// nor a continuation per call (a load generator's hot path).
///
/// `startUnary` is a plain function call with a completion callback: started
/// on `eventLoop`, it writes the request synchronously and the callback runs
/// on the same loop. The lease does not keep the connection alive: once
/// `isUsable` is false, calls fail with UNAVAILABLE (not processed) and the
/// caller asks the client for a new lease.
public struct RPCConnectionLease: Sendable {
    let connection: ClientConnection

    /// The event loop that owns the connection. Start calls from it to avoid
    /// a thread hop; completions always run on it.
    public var eventLoop: any EventLoop { connection.eventLoop }

    /// False once the server sent GOAWAY or the connection closed.
    public var isUsable: Bool { connection.isUsable }

    /// Starts a unary call; `completion` runs exactly once, on `eventLoop`,
    /// with the decoded response or the call's error.
    /// - Parameters:
    ///   - timeout: the call's deadline relative to now; nil for none.
    public func startUnary<Request: ProtoMessage, Response: ProtoMessage>(
        _ method: MethodDescriptor, _ request: Request, metadata: Metadata = [], timeout: Duration?,
        responseType: Response.Type = Response.self,
        completion: @escaping @Sendable (Result<Response, RPCError>) -> Void
    ) {
        connection.start(
            CallStart(
                method: method, metadata: metadata, timeout: timeout,
                writeMessage: { request.serialize(into: &$0) },
                onMessage: nil,
                onEnd: { outcome in
                    completion(
                        outcome.flatMap { bytes in
                            Result { () throws(ProtoDecodingError) in try Response(buffer: bytes) }
                                .mapError { RPCError(.internal, "malformed response message: \($0)") }
                        })
                }), handle: CallHandle())
    }
}

extension RPCClient {
    /// A ready connection from the pool (round-robin, connecting if needed).
    /// - Throws: `RPCError` UNAVAILABLE (not processed) when no connection can be made.
    public func lease() async throws(RPCError) -> RPCConnectionLease {
        RPCConnectionLease(connection: try await pool.connection())
    }
}
