/// A response that carries the revision it was written or read at
/// (docs/PROTOCOL.md, "Revisions"). The generator declares the conformance
/// for every response message with a `uint64 revision` field, so a client can
/// track revisions without a hand-kept list of such responses.
public protocol CarriesRevision {
    /// The revision the write committed at, or the read reflects.
    var revision: UInt64 { get }
}
