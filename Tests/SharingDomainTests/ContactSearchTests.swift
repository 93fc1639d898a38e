import Testing

@testable import SharingDomain

/// ListContacts with a query: prefix search on email, names and company,
/// Unicode-aware, best first, paginated, private to the owner.
@Suite struct ContactSearchTests {
    struct Book {
        var w = World()
        let a: AccountID
        init() {
            a = w.account("a@example.com")
            let entries: [(String, String?, String?, String?)] = [
                ("taro@example.jp", "太郎", "山田", "株式会社サンプル"),  // 1
                ("yamada@example.com", "Taro", "Yamada", "Acme"),  // 2
                ("alice.yamada@example.com", "Alice", "Smith", nil),  // 3
                ("hanako@example.jp", "花子", "ヤマダ", "やまと運輸"),  // 4
                ("bob@example.com", "Bob", "Builder", "Yamaha Motor"),  // 5
                ("ga@example.jp", "学", "がっこう", nil),  // 6
            ]
            for (email, first, last, company) in entries {
                try! w.run(
                    .createContact(
                        email: email,
                        fields: ContactFields(
                            firstName: first, lastName: last,
                            company: company)), as: a)
            }
        }
        func search(_ query: String, size: Int = 0, cursor: String? = nil) throws(SharingError) -> Page<ContactView> {
            try w.state.listContacts(a, query: query, cursor: cursor, pageSize: size)
        }
        func emails(_ query: String) throws -> [String] { try search(query).items.map(\.contact.email.value) }
    }

    @Test func prefixOnEveryFieldBestFirst() throws {
        let b = Book()
        // Last-name and email prefix (rank 1) before a company prefix (2) before a later word (3).
        #expect(try b.emails("yam") == ["yamada@example.com", "bob@example.com", "alice.yamada@example.com"])
        // A whole name is rank 0: the exact "yamada" first.
        #expect(try b.emails("Yamada") == ["yamada@example.com", "alice.yamada@example.com"])
        #expect(try b.emails("BOB") == ["bob@example.com"])
        #expect(try b.emails("acme") == ["yamada@example.com"])
        #expect(try b.emails("smi") == ["alice.yamada@example.com"])
        #expect(try b.emails("nobody").isEmpty)
        // Full names in both orders.
        #expect(try b.emails("taro yam") == ["yamada@example.com"])
        #expect(try b.emails("yamada t") == ["yamada@example.com"])
    }

    @Test func japaneseNames() throws {
        let b = Book()
        #expect(try b.emails("山") == ["taro@example.jp"])
        #expect(try b.emails("山田太郎") == ["taro@example.jp"])  // family name first, no space
        #expect(try b.emails("山田 太郎") == ["taro@example.jp"])
        #expect(try b.emails("株式") == ["taro@example.jp"])
        #expect(try b.emails("サンプル").isEmpty)  // not a prefix: the company starts with 株式会社
        // Katakana finds hiragana and back; a whole name ranks first.
        #expect(try b.emails("やまだ") == ["hanako@example.jp"])
        #expect(try b.emails("ヤマ") == ["hanako@example.jp"])
        #expect(try b.emails("やま") == ["hanako@example.jp"])
        // Decomposed が (か + U+3099) finds the composed one.
        #expect(try b.emails("か\u{3099}っ") == ["ga@example.jp"])
        // Full-width Latin is ASCII.
        #expect(try b.emails("Ｂｏｂ") == ["bob@example.com"])
        #expect(try b.emails("　花子　") == ["hanako@example.jp"])  // trimmed, ideographic spaces too
    }

    @Test func pagesAreStableAndBelongToTheirQuery() throws {
        var b = Book()
        let first = try b.search("yam", size: 1)
        #expect(first.items.map(\.contact.email.value) == ["yamada@example.com"])
        // A contact added between pages that ranks before the cursor is not repeated or skipped into.
        try b.w.run(.createContact(email: "yamamoto@example.com", fields: ContactFields()), as: b.a)
        let second = try b.search("yam", size: 1, cursor: first.nextCursor)
        #expect(second.items.map(\.contact.email.value) == ["yamamoto@example.com"])
        let third = try b.search("yam", size: 2, cursor: second.nextCursor)
        #expect(third.items.map(\.contact.email.value) == ["bob@example.com", "alice.yamada@example.com"])
        #expect(third.nextCursor == nil)
        // A plain list's cursor is not a search cursor, and the other way round.
        expectFailure(.invalidCursor, field: .cursor) { () throws(SharingError) in _ = try b.search("yam", cursor: "c1")
        }
        expectFailure(.invalidCursor, field: .cursor) { () throws(SharingError) in
            _ = try b.w.state.listContacts(b.a, cursor: first.nextCursor, pageSize: 0)
        }
        // An empty (or blank) query is the plain list, in creation order.
        #expect(try b.search("  ").items.count == 7)
    }

    @Test func limitsAtMaxAndMaxPlusOne() throws {
        let b = Book()
        _ = try b.search(String(repeating: "y", count: 128))
        _ = try b.search(String(repeating: "山", count: 42) + "yy")  // 126 + 2 bytes
        expectFailure(.stringTooLong, field: .query) { () throws(SharingError) in
            _ = try b.search(String(repeating: "y", count: 129))
        }
        expectFailure(.invalidArgument, field: .query) { () throws(SharingError) in _ = try b.search("ya\u{7}") }
        expectFailure(.limitExceeded, field: .pageSize) { () throws(SharingError) in _ = try b.search("y", size: 501) }
    }

    /// Another account's address book never shows (BOLA), whatever the query.
    @Test func onlyTheCallersContacts() throws {
        var b = Book()
        let stranger = b.w.account("x@example.com")
        for query in ["yam", "山田", "a", "@"] {
            #expect(try b.w.state.listContacts(stranger, query: query, cursor: nil, pageSize: 0).items.isEmpty)
        }
        try b.w.run(.createContact(email: "yamada@example.com", fields: ContactFields()), as: stranger)
        #expect(
            try b.w.state.listContacts(stranger, query: "yam", cursor: nil, pageSize: 0).items
                .map { $0.contact.owner } == [stranger])
    }
}
