import NIOCore
import SharewireMessages

/// The body of a call, after its request has been decoded.
typealias CallBody = @Sendable (ServerContext, ServerStreamSink) async throws -> (any ProtoMessage)?

/// A registered method: decodes a request on the event loop, then returns the
/// async body that runs in the call's task.
public struct RPCHandler: Sendable {
    public let descriptor: MethodDescriptor
    let prepare: @Sendable (ByteBuffer) throws(ProtoDecodingError) -> CallBody
}

/// Services register their methods here; the server looks them up by path or
/// numeric id for every REQUEST.
public struct RPCRouter: Sendable {
    private var byPath: [String: RPCHandler] = [:]
    private var byID: [UInt32: RPCHandler] = [:]

    public init() {}

    /// All registered methods, sorted by path.
    public var methods: [MethodDescriptor] { byPath.values.map(\.descriptor).sorted { $0.path < $1.path } }

    /// Registers a unary method.
    public mutating func unary<Request: ProtoMessage, Response: ProtoMessage>(
        _ descriptor: MethodDescriptor,
        _ handler: @escaping @Sendable (Request, ServerContext) async throws -> Response
    ) {
        precondition(descriptor.kind == .unary, "\(descriptor) is not unary")
        add(RPCHandler(descriptor: descriptor) { bytes throws(ProtoDecodingError) in
            let request = try Request(buffer: bytes)
            return { context, _ in try await handler(request, context) }
        })
    }

    /// Registers a server-streaming method.
    public mutating func serverStreaming<Request: ProtoMessage, Response: ProtoMessage>(
        _ descriptor: MethodDescriptor,
        _ handler: @escaping @Sendable (Request, ServerStreamWriter<Response>, ServerContext) async throws -> Void
    ) {
        precondition(descriptor.kind == .serverStreaming, "\(descriptor) is not server streaming")
        add(RPCHandler(descriptor: descriptor) { bytes throws(ProtoDecodingError) in
            let request = try Request(buffer: bytes)
            return { context, sink in
                try await handler(request, ServerStreamWriter(sink: sink), context)
                return nil
            }
        })
    }

    /// Adds every method of `other`.
    public mutating func merge(_ other: RPCRouter) {
        for handler in other.byPath.values { add(handler) }
    }

    private mutating func add(_ handler: RPCHandler) {
        let d = handler.descriptor
        precondition(byPath[d.path] == nil, "duplicate method \(d.path)")
        byPath[d.path] = handler
        if d.id != 0 {
            precondition(byID[d.id] == nil, "duplicate method id \(d.id) for \(d.path)")
            byID[d.id] = handler
        }
    }

    /// Looks a method up by its fast-path id if non-zero, else by path.
    func handler(id: UInt32, path: String) -> RPCHandler? {
        id != 0 ? byID[id] : byPath[path]
    }
}
