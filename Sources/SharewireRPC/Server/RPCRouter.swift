import NIOCore
import SharewireMessages

/// A decoded call, ready to run: the request with its method's handlers.
///
/// One value per call, boxed once as `any PreparedCall`; two closures that
/// each captured the request cost two allocations per call.
protocol PreparedCall: Sendable {
    /// Whether ``immediate(_:)`` may answer.
    var hasImmediate: Bool { get }
    /// Tried first, on the event loop, with no task: most reads answer here.
    /// The response, or nil when the call has to wait and must run as a task.
    func immediate(_ context: ServerContext) throws -> (any ProtoMessage)?
    /// Runs in the call's task when there is no immediate attempt or it
    /// returned nil.
    func body(_ context: ServerContext, _ sink: ServerStreamSink) async throws -> (any ProtoMessage)?
}

/// A unary call: its response is the call's one message.
private struct PreparedUnary<Request: ProtoMessage, Response: ProtoMessage>: PreparedCall {
    let request: Request
    let immediateHandler: (@Sendable (Request, ServerContext) throws -> Response?)?
    let handler: @Sendable (Request, ServerContext) async throws -> Response

    var hasImmediate: Bool { immediateHandler != nil }

    func immediate(_ context: ServerContext) throws -> (any ProtoMessage)? {
        try immediateHandler?(request, context)
    }

    func body(_ context: ServerContext, _: ServerStreamSink) async throws -> (any ProtoMessage)? {
        try await handler(request, context)
    }
}

/// A server-streaming call: its messages go through the sink.
private struct PreparedStream<Request: ProtoMessage, Response: ProtoMessage>: PreparedCall {
    let request: Request
    let handler: @Sendable (Request, ServerStreamWriter<Response>, ServerContext) async throws -> Void

    var hasImmediate: Bool { false }

    func immediate(_: ServerContext) throws -> (any ProtoMessage)? { nil }

    func body(_ context: ServerContext, _ sink: ServerStreamSink) async throws -> (any ProtoMessage)? {
        try await handler(request, ServerStreamWriter(sink: sink), context)
        return nil
    }
}

/// A registered method: decodes a request on the event loop, then returns the
/// call to run.
public struct RPCHandler: Sendable {
    public let descriptor: MethodDescriptor
    let prepare: @Sendable (ByteBuffer) throws(ProtoDecodingError) -> any PreparedCall
}

/// Services register their methods here; the server looks them up by path or
/// numeric id for every REQUEST.
public struct RPCRouter: Sendable {
    private var byPath: [String: RPCHandler] = [:]
    private var byID: [UInt32: RPCHandler] = [:]

    public init() {}

    /// All registered methods, sorted by path.
    public var methods: [MethodDescriptor] { byPath.values.map(\.descriptor).sorted { $0.path < $1.path } }

    /// Registers a unary method by descriptor, for methods outside the
    /// schema (tests); the schema's methods register through their typed
    /// method (`Sharewire_V1.<Service>.Method.<Name>`).
    public mutating func unary<Request: ProtoMessage, Response: ProtoMessage>(
        _ descriptor: MethodDescriptor,
        _ handler: @escaping @Sendable (Request, ServerContext) async throws -> Response
    ) {
        precondition(descriptor.kind == .unary, "\(descriptor) is not unary")
        add(
            RPCHandler(descriptor: descriptor) { bytes throws(ProtoDecodingError) in
                PreparedUnary(request: try Request(buffer: bytes), immediateHandler: nil, handler: handler)
            })
    }

    /// Registers a unary method whose common case needs no suspension.
    ///
    /// `immediate` runs on the connection's event loop as soon as the request
    /// is decoded, with no task: it answers (or throws), or returns nil when
    /// the call has to wait, and then `handler` runs in a task as for any unary
    /// method. This spares the hot reads (Check, Echo) a task per call. Keep
    /// `immediate` short: it holds the connection's event loop while it runs.
    public mutating func unary<Request: ProtoMessage, Response: ProtoMessage>(
        _ descriptor: MethodDescriptor,
        immediate: @escaping @Sendable (Request, ServerContext) throws -> Response?,
        _ handler: @escaping @Sendable (Request, ServerContext) async throws -> Response
    ) {
        precondition(descriptor.kind == .unary, "\(descriptor) is not unary")
        add(
            RPCHandler(descriptor: descriptor) { bytes throws(ProtoDecodingError) in
                PreparedUnary(request: try Request(buffer: bytes), immediateHandler: immediate, handler: handler)
            })
    }

    /// Registers a server-streaming method by descriptor, for methods outside
    /// the schema (tests).
    public mutating func serverStreaming<Request: ProtoMessage, Response: ProtoMessage>(
        _ descriptor: MethodDescriptor,
        _ handler: @escaping @Sendable (Request, ServerStreamWriter<Response>, ServerContext) async throws -> Void
    ) {
        precondition(descriptor.kind == .serverStreaming, "\(descriptor) is not server streaming")
        add(
            RPCHandler(descriptor: descriptor) { bytes throws(ProtoDecodingError) in
                PreparedStream(request: try Request(buffer: bytes), handler: handler)
            })
    }

    /// Registers a unary method of the schema; the handler's types are the
    /// method's, so a handler for another method's messages does not compile.
    /// The generated `register(in:)` of each service's `Handler` calls this.
    public mutating func unary<Method: UnaryMethod>(
        _ method: Method.Type,
        _ handler: @escaping @Sendable (Method.Input, ServerContext) async throws -> Method.Output
    ) {
        unary(Method.descriptor, handler)
    }

    /// Registers a unary method of the schema with a synchronous first
    /// attempt on the event loop (as the descriptor-based `unary(_:immediate:_:)`).
    public mutating func unary<Method: UnaryMethod>(
        _ method: Method.Type,
        immediate: @escaping @Sendable (Method.Input, ServerContext) throws -> Method.Output?,
        _ handler: @escaping @Sendable (Method.Input, ServerContext) async throws -> Method.Output
    ) {
        unary(Method.descriptor, immediate: immediate, handler)
    }

    /// Registers a server-streaming method of the schema.
    public mutating func serverStreaming<Method: ServerStreamingMethod>(
        _ method: Method.Type,
        _ handler:
            @escaping @Sendable (Method.Input, ServerStreamWriter<Method.Output>, ServerContext) async throws -> Void
    ) {
        serverStreaming(Method.descriptor, handler)
    }

    /// The registered method with this descriptor's path, if any.
    public func method(path: String) -> MethodDescriptor? { byPath[path]?.descriptor }

    /// The registered method with this numeric id, if any.
    public func method(id: UInt32) -> MethodDescriptor? { byID[id]?.descriptor }

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
