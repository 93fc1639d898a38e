import NIOCore
import SharewireMessages

/// Sends the messages of a server-streaming call. Each `send` waits while the
/// connection's write buffer is above its high watermark, so a slow reader
/// slows the handler instead of growing memory.
public struct ServerStreamWriter<Message: ProtoMessage>: Sendable {
    let sink: ServerStreamSink

    /// Sends one message.
    /// - Throws: `RPCError` (CANCELLED) once the call was cancelled, timed out
    ///   or its connection closed; `CancellationError` if the task was.
    public func send(_ message: Message) async throws {
        try await sink.send(message)
    }
}

/// The untyped channel from a call's task to its connection handler.
struct ServerStreamSink: Sendable {
    let streamID: UInt32
    let handler: NIOLoopBound<ServerConnectionHandler>

    func send(_ message: any ProtoMessage) async throws {
        try Task.checkCancellation()
        let eventLoop = handler.eventLoop
        let writable: EventLoopFuture<Void>?
        if eventLoop.inEventLoop {
            writable = try handler.value.sendStreamMessage(streamID: streamID, message)
        } else {
            let handler = self.handler, streamID = self.streamID
            writable = try await eventLoop.submit {
                try handler.value.sendStreamMessage(streamID: streamID, message)
            }.get()
        }
        try await writable?.get()
    }
}
