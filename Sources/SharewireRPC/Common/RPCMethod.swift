import SharewireMessages

/// A method of the schema as a type: its request (`Input`) and response
/// (`Output`) message types tied to its descriptor. Generated, one per
/// `rpc` of proto/sharewire/v1/services.proto, as
/// `Sharewire_V1.<Service>.Method.<Name>` (docs/MESSAGES.md).
///
/// Registering a handler (``RPCRouter``) or making a call
/// (``MethodCaller``) through one of these takes the types from the method,
/// so a handler or a call with the wrong message type does not compile.
public protocol RPCMethod: Sendable {
    /// The request message.
    associatedtype Input: ProtoMessage
    /// The response message (each message of a stream, when server streaming).
    associatedtype Output: ProtoMessage
    /// The method's numeric id (`(sharewire.v1.method_id)`).
    static var id: MethodID { get }
    /// Path, id, kind and idempotency.
    static var descriptor: MethodDescriptor { get }
}

/// A unary method: one request, one response.
public protocol UnaryMethod: RPCMethod {}

/// A server-streaming method: one request, a stream of `Output` messages,
/// then a status.
public protocol ServerStreamingMethod: RPCMethod {}

/// What a generated client stub (`Sharewire_V1.<Service>.Client`) calls
/// through. ``RPCClient`` is one (one attempt per call); the client library
/// adds deadlines, retries by the method's idempotency and revision tracking.
public protocol MethodCaller: Sendable {
    /// Per-call options (deadline, metadata, …).
    associatedtype Options: Sendable
    /// The error a call throws.
    associatedtype Failure: Error

    /// Makes a unary call of `method`.
    func unary<Method: UnaryMethod>(
        _ method: Method.Type, _ request: Method.Input, options: Options
    ) async throws(Failure) -> Method.Output

    /// Starts a server-streaming call of `method`.
    func serverStreaming<Method: ServerStreamingMethod>(
        _ method: Method.Type, _ request: Method.Input, options: Options
    ) async throws(Failure) -> ServerStream<Method.Output>
}

/// ``RPCClient``'s per-call options.
public struct RPCCallOptions: Sendable {
    /// Request metadata, e.g. `authorization`.
    public var metadata: Metadata
    /// The deadline, relative to now; the configuration's default when nil.
    public var timeout: Duration?

    public init(metadata: Metadata = [], timeout: Duration? = nil) {
        self.metadata = metadata
        self.timeout = timeout
    }

    /// No metadata, the default deadline.
    public static let `default` = RPCCallOptions()
}

extension RPCClient: MethodCaller {
    public typealias Options = RPCCallOptions
    public typealias Failure = RPCError

    /// One unary call of a schema method, with no retry.
    public func unary<Method: UnaryMethod>(
        _ method: Method.Type, _ request: Method.Input, options: RPCCallOptions
    ) async throws(RPCError) -> Method.Output {
        try await unary(
            Method.descriptor, request, metadata: options.metadata, timeout: options.timeout,
            responseType: Method.Output.self)
    }

    /// One server-streaming call of a schema method, with no retry.
    public func serverStreaming<Method: ServerStreamingMethod>(
        _ method: Method.Type, _ request: Method.Input, options: RPCCallOptions
    ) async throws(RPCError) -> ServerStream<Method.Output> {
        try await serverStream(
            Method.descriptor, request, metadata: options.metadata, timeout: options.timeout,
            responseType: Method.Output.self)
    }
}
