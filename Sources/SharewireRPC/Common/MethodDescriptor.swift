import SharewireMessages

/// Names one RPC method: its full path, optional numeric fast-path id, kind
/// and idempotency. The schema's methods have one each, generated as
/// `Sharewire_V1.<Service>.Method.<Name>.descriptor`; tests build their own
/// for methods outside the schema.
public struct MethodDescriptor: Sendable, Hashable, CustomStringConvertible {
    /// Unary: one request, one response. Server streaming: one request, a
    /// stream of responses ending with a status.
    public enum Kind: Sendable, Hashable { case unary, serverStreaming }

    /// e.g. `/sharewire.v1.Diagnostics/Echo`.
    public let path: String
    /// The method's `(sharewire.v1.method_id)`, or 0 when it has none.
    public let id: UInt32
    public let kind: Kind
    /// Whether a client may repeat the call (`idempotency_level`).
    public let idempotency: MethodIdempotency

    public init(path: String, id: UInt32 = 0, kind: Kind = .unary, idempotency: MethodIdempotency = .unknown) {
        self.path = path
        self.id = id
        self.kind = kind
        self.idempotency = idempotency
    }

    public var description: String { path }
}

extension MethodDescriptor {
    /// The descriptor of a method of the schema: path, id, kind and
    /// idempotency from the generated method table
    /// (proto/sharewire/v1/services.proto).
    public init(_ id: MethodID) {
        self.init(
            path: id.path, id: id.rawValue, kind: id.isServerStreaming ? .serverStreaming : .unary,
            idempotency: id.idempotency)
    }
}
