/// One page of a list and the cursor for the next, `nil` on the last page.
public struct Page<Item: Sendable>: Sendable {
    public let items: [Item]
    /// Opaque: pass it back unchanged to get the next page.
    public let nextCursor: String?
    public init(items: [Item], nextCursor: String?) {
        self.items = items
        self.nextCursor = nextCursor
    }
}

extension Page: Equatable where Item: Equatable {}

/// Opaque page cursors: the last id returned, so pages stay stable while rows
/// are added or removed (keyset pagination, not offsets).
public enum PageCursor {
    /// Encodes "after this id".
    public static func encode(_ raw: UInt64) -> String { "c" + String(raw, radix: 36) }

    /// Decodes a cursor; `nil`/empty means the first page.
    public static func decode(_ text: String?) throws(SharingError) -> UInt64? {
        guard let text, !text.isEmpty else { return nil }
        guard text.utf8.count <= 16, text.first == "c", let raw = UInt64(text.dropFirst(), radix: 36) else {
            throw SharingError(
                .invalidCursor, subject: String(text.prefix(32)), field: .cursor,
                message: "not a cursor from this service")
        }
        return raw
    }

    /// The page of `ids` after the cursor, in id order.
    ///
    /// O(n log n) in the ids of one owner or user, which the per-account limits bound.
    static func page<ID: SharingID>(_ ids: some Sequence<ID>, after: UInt64?, size: Int) -> (ids: [ID], next: String?) {
        var candidates: [ID] = []
        for id in ids where after.map({ id.raw > $0 }) ?? true { candidates.append(id) }
        candidates.sort()
        guard candidates.count > size else { return (candidates, nil) }
        let slice = Array(candidates.prefix(size))
        return (slice, encode(slice[slice.count - 1].raw))
    }
}
