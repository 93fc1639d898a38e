import SharewireMessages
import SharewireRPC
import SharewireServer
import Testing

/// ListContacts with `query` through the server: Japanese names, paging with
/// the query's tokens, only the caller's address book, the length limit.
@Suite(.timeLimit(.minutes(2)))
struct ContactSearchServerTests {
    @Test(arguments: ServiceStore.allCases) func searchPagesLimitsAndPrivacy(store: ServiceStore) async throws {
        let h = try await Harness.start(store: store)
        let owner = try await h.createAccount("owner@example.com")
        let other = try await h.createAccount("other@example.com")
        for (email, first, last) in [
            ("taro@example.jp", "太郎", "山田"), ("hanako@example.jp", "花子", "ヤマダ"),
            ("yamada@example.com", "Taro", "Yamada"), ("bob@example.com", "Bob", "Smith"),
        ] {
            let _: CreateContactResponse = try await h.call(
                Sharewire_V1.ContactService.Method.Create.descriptor,
                CreateContactRequest(email: email, firstName: first, lastName: last), as: owner)
        }
        func search(
            _ query: String, as who: TestAccount = owner, size: UInt32 = 0,
            token: String = ""
        ) async throws -> ListContactsResponse {
            try await h.call(
                Sharewire_V1.ContactService.Method.List.descriptor,
                ListContactsRequest(pageSize: size, pageToken: token, query: query), as: who)
        }
        #expect(try await search("山田").contacts.map(\.email) == ["taro@example.jp"])
        #expect(try await search("やまだ").contacts.map(\.email) == ["hanako@example.jp"])
        // Best first: the whole name before the prefix.
        #expect(try await search("yamada").contacts.map(\.email) == ["yamada@example.com"])
        let first = try await search("ta", size: 1)
        #expect(first.contacts.map(\.email) == ["taro@example.jp"] && !first.nextPageToken.isEmpty)
        let second = try await search("ta", size: 1, token: first.nextPageToken)
        #expect(second.contacts.map(\.email) == ["yamada@example.com"] && second.nextPageToken.isEmpty)
        // Another account's address book is never searched (BOLA).
        #expect(try await search("yam", as: other).contacts.isEmpty)
        // 128 bytes is the most; 129 is STRING_TOO_LONG naming `query` and the limit.
        _ = try await search(String(repeating: "a", count: 128))
        let error = await h.failure(
            Sharewire_V1.ContactService.Method.List.descriptor,
            ListContactsRequest(query: String(repeating: "a", count: 129)),
            metadata: owner.metadata, responseType: ListContactsResponse.self)
        #expect(error?.code == .invalidArgument && error?.reason == "STRING_TOO_LONG")
        #expect(error?.details.first?.field == "query")
        #expect(error?.details.first?.metadata.first { $0.key == "limit" }?.value == "128")
        // A plain list's token is not a search token.
        let plain = try await search("", size: 1)
        let mixed = await h.failure(
            Sharewire_V1.ContactService.Method.List.descriptor,
            ListContactsRequest(pageSize: 1, pageToken: plain.nextPageToken, query: "ta"),
            metadata: owner.metadata, responseType: ListContactsResponse.self)
        #expect(mixed?.reason == "INVALID_CURSOR")
        await h.stop()
    }
}
