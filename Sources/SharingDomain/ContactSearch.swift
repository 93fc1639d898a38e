import HashTreeCollections

/// The contact picker's search (docs/DOMAIN.md §2, "Contact search"): a
/// prefix match on email, first name, last name and company, case-insensitive
/// and Unicode-aware, best matches first.
///
/// Both sides are folded the same way before comparing: lower-cased (full
/// Unicode case mapping), full-width ASCII to ASCII (`Ｙａｍａｄａ` is
/// `yamada`), katakana to hiragana (`ヤマダ` is `やまだ`). Comparison is by
/// `Character`, so composed and decomposed forms (`が`, `か` + `゙`) match.
enum ContactSearch {
    /// How well a contact matches; lower is better.
    enum Rank: UInt8, Comparable {
        /// The query is a whole email, first name, last name or full name.
        case exact = 0
        /// It starts the email, first name, last name or full name.
        case namePrefix = 1
        /// It starts the company.
        case companyPrefix = 2
        /// It starts a later word of a name or the company.
        case wordPrefix = 3

        static func < (a: Rank, b: Rank) -> Bool { a.rawValue < b.rawValue }
    }

    /// The folded form both the query and the fields are compared in.
    static func fold(_ text: some StringProtocol) -> String {
        var out = String.UnicodeScalarView()
        for scalar in text.lowercased().unicodeScalars {
            switch scalar.value {
            case 0xFF01...0xFF5E:  // full-width ASCII
                out.append(Unicode.Scalar(scalar.value - 0xFEE0)!)
            case 0x30A1...0x30F6:  // katakana with a hiragana twin
                out.append(Unicode.Scalar(scalar.value - 0x60)!)
            default:
                out.append(scalar)
            }
        }
        return String(out)
    }

    /// Words of a field: split on spaces, ideographic spaces and dots/hyphens.
    static func words(_ folded: String) -> [Substring] {
        folded.split(whereSeparator: { $0 == " " || $0 == "\u{3000}" || $0 == "-" || $0 == "." || $0 == "_" })
    }

    /// How `contact` matches the folded `query`, or `nil` if it does not.
    static func rank(_ contact: Contact, query: String) -> Rank? {
        let email = fold(contact.email.value)
        let first = contact.firstName.map(fold) ?? ""
        let last = contact.lastName.map(fold) ?? ""
        let company = contact.company.map(fold) ?? ""
        // Full names in both orders, with and without a space (Japanese names are
        // written family name first, often without one).
        var names = [first, last]
        if !first.isEmpty && !last.isEmpty {
            names += ["\(first) \(last)", "\(last) \(first)", "\(last)\(first)"]
        }
        names = names.filter { !$0.isEmpty }
        let localPart = email.prefix { $0 != "@" }
        if email == query || String(localPart) == query || names.contains(query) { return .exact }
        if email.hasPrefix(query) || names.contains(where: { $0.hasPrefix(query) }) { return .namePrefix }
        if !company.isEmpty && company.hasPrefix(query) { return .companyPrefix }
        for field in [first, last, company, String(localPart)] {
            if words(field).dropFirst().contains(where: { $0.hasPrefix(query) }) { return .wordPrefix }
        }
        return nil
    }

    /// Search cursors: the last (rank, id) returned, `s<rank><id base 36>`.
    static func encode(_ rank: Rank, _ id: ContactID) -> String {
        "s\(rank.rawValue)" + String(id.raw, radix: 36)
    }

    static func decode(_ text: String?) throws(SharingError) -> (Rank, UInt64)? {
        guard let text, !text.isEmpty else { return nil }
        let bytes = Array(text.utf8)
        guard bytes.count >= 3, bytes.count <= 16, bytes[0] == UInt8(ascii: "s"),
            let rank = Rank(rawValue: bytes[1] &- UInt8(ascii: "0")),
            let raw = UInt64(String(decoding: bytes[2...], as: UTF8.self), radix: 36)
        else {
            throw SharingError(
                .invalidCursor, subject: String(text.prefix(32)), field: .cursor,
                message: "not a search cursor from this service (a cursor belongs to its query)")
        }
        return (rank, raw)
    }
}

extension SharingState {
    /// The caller's contacts matching `query` (docs/DOMAIN.md §2, "Contact
    /// search"), best first: by ``ContactSearch/Rank``, then creation order.
    /// Keyset-paginated on (rank, id), so pages stay stable while contacts
    /// are added. O(contacts of the caller), which the per-account limit bounds.
    func searchContacts(
        _ caller: AccountID, query raw: String, cursor: String?,
        size: Int
    ) throws(SharingError) -> Page<ContactView> {
        let trimmed = raw.trimmingSpaces
        if trimmed.utf8.count > limits.maxNameLength {
            throw SharingError(
                .stringTooLong, subject: String(trimmed.prefix(32)), field: .query, limit: .nameLength,
                message: "query is longer than \(limits.maxNameLength) bytes")
        }
        for s in trimmed.unicodeScalars where s.value < 0x20 || s.value == 0x7F {
            throw SharingError(.invalidArgument, field: .query, message: "query contains a control character")
        }
        let after = try ContactSearch.decode(cursor)
        let query = ContactSearch.fold(trimmed)
        var hits: [(rank: ContactSearch.Rank, id: ContactID)] = []
        for id in contactsByOwner[caller]?.values ?? TreeDictionary<Email, ContactID>().values {
            guard let c = contacts[id], let rank = ContactSearch.rank(c, query: query) else { continue }
            if let (afterRank, afterID) = after, (rank, id.raw) <= (afterRank, afterID) { continue }
            hits.append((rank, id))
        }
        hits.sort { ($0.rank, $0.id.raw) < ($1.rank, $1.id.raw) }
        let page = hits.prefix(size)
        let next = hits.count > size ? page.last.map { ContactSearch.encode($0.rank, $0.id) } : nil
        return Page(items: page.compactMap { contacts[$0.id].map(view) }, nextCursor: next)
    }
}

extension String {
    /// Without leading and trailing spaces (ASCII and ideographic).
    var trimmingSpaces: String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\u{3000}" || $0 == "\t" }
        guard let start = firstIndex(where: { !isSpace($0) }), let end = lastIndex(where: { !isSpace($0) }) else {
            return ""
        }
        return String(self[start...end])
    }
}
