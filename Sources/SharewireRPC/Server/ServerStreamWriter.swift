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
        let pace: StreamSendPace
        if eventLoop.inEventLoop {
            pace = try handler.value.sendStreamMessage(streamID: streamID, message)
        } else {
            let handler = self.handler, streamID = self.streamID
            pace = try await eventLoop.submit {
                try handler.value.sendStreamMessage(streamID: streamID, message)
            }.get()
        }
        switch pace {
        case .proceed:
            break
        case .yield:
            // The task prefers the connection's event loop, so this requeues
            // it behind the loop's pending I/O and other calls.
            await Task.yield()
        case let .wait(writable):
            try await writable.get()
        }
    }
}

/// How a server stream's producer goes on after a MESSAGE was appended.
enum StreamSendPace {
    case proceed
    case yield
    case wait(EventLoopFuture<Void>)
}
