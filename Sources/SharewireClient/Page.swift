/// One page of a list: its items, the token of the next page, and the
/// revision it was read at.
public struct Page<Item: Sendable>: Sendable {
    /// The items, in the list's order.
    public var items: [Item]
    /// Pass it back to get the next page; `nil` on the last page.
    public var nextPageToken: String?
    /// The revision the page reflects.
    public var revision: Revision

    /// A page.
    public init(items: [Item], nextPageToken: String?, revision: Revision) {
        self.items = items
        self.nextPageToken = nextPageToken
        self.revision = revision
    }

    /// True on the last page.
    public var isLast: Bool { nextPageToken == nil }
}

extension Page: Equatable where Item: Equatable {}
extension Page: Hashable where Item: Hashable {}
extension Page: Codable where Item: Codable {}

/// Every item of a paginated list, fetching pages as iteration needs them.
///
/// ```swift
/// for try await contact in client.contacts() { print(contact) }
/// let devices = try await client.devices().collect()
/// ```
///
/// Pages are keyset-based, so iteration stays consistent while items are
/// added or removed. Iteration throws ``SharewireError``.
public struct PageSequence<Item: Sendable>: AsyncSequence, Sendable {
    /// Each item of each page.
    public typealias Element = Item
    let fetch: @Sendable (_ pageToken: String?) async throws(SharewireError) -> Page<Item>

    init(fetch: @escaping @Sendable (_ pageToken: String?) async throws(SharewireError) -> Page<Item>) {
        self.fetch = fetch
    }

    /// Starts at the first page.
    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(fetch: fetch) }

    /// Every item, fetching every page (at most `limit` items).
    public func collect(limit: Int = .max) async throws(SharewireError) -> [Item] {
        var items: [Item] = []
        var iterator = makeAsyncIterator()
        while items.count < limit, let item = try await iterator.next() { items.append(item) }
        return items
    }

    /// Fetches pages on demand.
    public struct AsyncIterator: AsyncIteratorProtocol {
        let fetch: @Sendable (_ pageToken: String?) async throws(SharewireError) -> Page<Item>
        var buffer: [Item] = []
        var index = 0
        var nextToken: String?
        var started = false

        /// The next item; nil after the last page.
        public mutating func next() async throws(SharewireError) -> Item? {
            // Bounded: each round fetches a page; a server repeating a token is an error.
            while index == buffer.count {
                if started, nextToken == nil { return nil }
                let token = nextToken
                let page = try await fetch(token)
                started = true
                if let next = page.nextPageToken, next == token {
                    throw SharewireError.local(.internal, "the server returned the same page token twice")
                }
                buffer = page.items
                index = 0
                nextToken = page.nextPageToken
            }
            defer { index += 1 }
            return buffer[index]
        }
    }
}
