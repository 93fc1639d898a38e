import SharewireMessages

/// Call metadata: ordered key/value pairs; keys are lowercase ASCII.
public typealias Metadata = [MetadataEntry]

extension Array where Element == MetadataEntry {
    /// The first value for `key` (compared exactly; keys are lowercase on the wire).
    @inlinable
    public subscript(key: String) -> String? {
        for entry in self where entry.key == key { return entry.value }
        return nil
    }

    /// The well-known key carrying credentials, `authorization`.
    public static let authorizationKey = "authorization"
}
