/// A proto3 enum of the Sharewire schema, as a Swift enum.
///
/// proto3 enums are open: a peer built from a newer schema may send a value
/// this build does not know. Such a value decodes as the enum's
/// `unrecognized(_:)` case and encodes back unchanged, so a client keeps
/// working when the server learns a new event kind, and a server can answer
/// an unknown value with its own typed error instead of a decoding failure.
///
/// `allCases` lists the known cases only. Construct `unrecognized(_:)` only
/// for values no other case has: `unrecognized(1)` decodes as the case for 1.
public protocol ProtoEnum: RawRepresentable, CaseIterable, Sendable, Hashable where RawValue == Int32 {
    /// The case for `rawValue`, or `unrecognized(rawValue)`. Never fails.
    init(rawValue: Int32)
}
