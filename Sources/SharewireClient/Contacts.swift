internal import SharewireMessages

extension SharewireClient {
    /// Adds a contact to the caller's address book.
    ///
    /// - Parameters:
    ///   - email: required; not the caller's own (`CONTACT_IS_SELF`);
    ///     ALREADY_EXISTS `CONTACT_EXISTS` if present.
    ///   - firstName, lastName, company: optional, at most 128 bytes each.
    ///   - language: of the notifications your actions send them (invite,
    ///     shares, removals, transfers). Nil: their account's language if
    ///     they have one, else English.
    public func createContact(
        email: String, firstName: String? = nil, lastName: String? = nil,
        company: String? = nil, language: Language? = nil,
        options: CallOptions = .default
    ) async throws(SharewireError) -> Contact {
        let request = CreateContactRequest(
            email: email, firstName: firstName ?? "", lastName: lastName ?? "",
            company: company ?? "", language: language?.wire ?? .unspecified)
        let response = try await stubs.contacts.create(request, options: options)
        return Contact(response.contact)
    }

    /// Changes the given fields of a contact; `nil` leaves a field unchanged
    /// and `""` clears it. The email cannot change.
    /// - Throws: NOT_FOUND `CONTACT_NOT_FOUND` if the caller has no contact with `email`.
    public func updateContact(
        email: String, firstName: String? = nil, lastName: String? = nil,
        company: String? = nil, language: Language? = nil,
        options: CallOptions = .default
    ) async throws(SharewireError) -> Contact {
        let request = UpdateContactRequest(
            email: email, firstName: firstName, lastName: lastName, company: company,
            language: language?.wire ?? .unspecified)
        let response = try await stubs.contacts.update(request, options: options)
        return Contact(response.contact)
    }

    /// Deletes a contact and revokes every share the caller gave that person
    /// (with `validateOnly`, a dry run: nothing changes, the count is what would be).
    /// - Parameter notify: whether that person is told of the revoked shares.
    public func deleteContact(
        email: String, notify: Bool = true, validateOnly: Bool = false,
        options: CallOptions = .default
    ) async throws(SharewireError) -> DeleteContactResult {
        let response = try await stubs.contacts.delete(
            DeleteContactRequest(email: email, validateOnly: validateOnly, notify: notify), options: options)
        return DeleteContactResult(sharesRemoved: Int(response.sharesRemoved), revision: Revision(response.revision))
    }

    /// Queues an invite to a contact without an account and stamps `invitedAt`.
    /// - Parameter resend: send even if the last invite went out within the
    ///   server's resend window (default one day).
    /// - Throws: FAILED_PRECONDITION `CONTACT_HAS_ACCOUNT` if the person has an
    ///   account; FAILED_PRECONDITION `INVITE_RECENTLY_SENT` within the window.
    public func inviteContact(
        email: String, resend: Bool = false,
        options: CallOptions = .default
    ) async throws(SharewireError) -> Contact {
        let response = try await stubs.contacts.invite(
            InviteContactRequest(email: email, resend: resend),
            options: options)
        return Contact(response.contact)
    }

    /// One page of the caller's contacts, in creation order, or, with a
    /// `query`, the ones whose email, names or company start with it, best
    /// match first (docs/DOMAIN.md §2, "Contact search").
    /// - Parameters:
    ///   - query: `nil` or empty for every contact; at most 128 bytes.
    ///   - pageSize: `nil` for the server default (50); at most 500.
    ///   - pageToken: `nil` for the first page, else the previous page's `nextPageToken` (same query).
    public func listContacts(
        query: String? = nil, pageSize: Int? = nil, pageToken: String? = nil,
        options: CallOptions = .default
    ) async throws(SharewireError) -> Page<Contact> {
        let request = ListContactsRequest(
            pageSize: UInt32(clamping: pageSize ?? 0), pageToken: pageToken ?? "",
            minRevision: minRevision(options), query: query ?? "")
        let response = try await stubs.contacts.list(request, options: options)
        return Page(
            items: response.contacts.map(Contact.init), nextPageToken: response.nextPageToken.nonEmpty,
            revision: Revision(response.revision))
    }

    /// Every contact (or every one matching `query`, best first), fetching pages as iteration needs them.
    public func contacts(
        matching query: String? = nil, pageSize: Int? = nil,
        options: CallOptions = .default
    ) -> PageSequence<Contact> {
        PageSequence { token throws(SharewireError) in
            try await self.listContacts(query: query, pageSize: pageSize, pageToken: token, options: options)
        }
    }
}
