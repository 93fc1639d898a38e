import SharewireMessages
import SharewireRPC
import SharingDomain

/// `sharewire.v1.ContactService`: the caller's private address book.
///
/// Every method works on the caller's own contacts only: contacts are keyed
/// by (owner, email) in the domain, so another account's contact is simply
/// not found.
struct ContactService: Sharewire_V1.ContactService.Handler {
    let env: ServiceEnvironment
    var authentication: ServiceAuthentication { env.authentication }

    func create(
        request: CreateContactRequest, caller: Caller,
        context: ServerContext
    ) async throws -> CreateContactResponse {
        let language = try env.domain { () throws(SharingError) in try Parse.language(request.language) }
        // On create an empty string means "not given".
        let fields = ContactFields(
            firstName: request.firstName.isEmpty ? nil : request.firstName,
            lastName: request.lastName.isEmpty ? nil : request.lastName,
            company: request.company.isEmpty ? nil : request.company,
            language: language)
        let result = try await env.write(.createContact(email: request.email, fields: fields), as: caller)
        return CreateContactResponse(contact: try Self.info(result, env), revision: result.revision)
    }

    func update(
        request: UpdateContactRequest, caller: Caller,
        context: ServerContext
    ) async throws -> UpdateContactResponse {
        let language = try env.domain { () throws(SharingError) in try Parse.language(request.language) }
        let fields = ContactFields(
            firstName: request.firstName, lastName: request.lastName,
            company: request.company, language: language)
        let result = try await env.write(.updateContact(email: request.email, fields: fields), as: caller)
        return UpdateContactResponse(contact: try Self.info(result, env), revision: result.revision)
    }

    func delete(
        request: DeleteContactRequest, caller: Caller,
        context: ServerContext
    ) async throws -> DeleteContactResponse {
        // An absent `notify` notifies, as before the field existed.
        let result = try await env.write(
            .deleteContact(email: request.email, notify: request.notify ?? true), as: caller,
            validateOnly: request.validateOnly)
        return DeleteContactResponse(revision: result.revision, sharesRemoved: UInt32(clamping: result.outcome.removed))
    }

    func list(
        request: ListContactsRequest, caller: Caller,
        context: ServerContext
    ) async throws -> ListContactsResponse {
        let snapshot = try await env.read(atLeast: request.minRevision, context)
        let page = try env.domain { () throws(SharingError) in
            try snapshot.state.listContacts(
                caller.account, query: request.query,
                cursor: Parse.pageToken(request.pageToken),
                pageSize: Parse.pageSize(request.pageSize))
        }
        return ListContactsResponse(
            contacts: page.items.map(ContactInfo.init), nextPageToken: page.nextCursor ?? "",
            revision: snapshot.revision)
    }

    func invite(
        request: InviteContactRequest, caller: Caller,
        context: ServerContext
    ) async throws -> InviteContactResponse {
        let result = try await env.write(.inviteContact(email: request.email, resend: request.resend), as: caller)
        return InviteContactResponse(contact: try Self.info(result, env), revision: result.revision)
    }

    /// The written contact, with `hasAccount` from the latest snapshot (which
    /// includes the write).
    private static func info(_ result: WriteResult, _ env: ServiceEnvironment) throws(RPCError) -> ContactInfo {
        guard case let .contact(contact) = result.outcome else {
            throw RPCError(.internal, "contact write returned no contact")
        }
        let hasAccount = env.snapshots.latest().state.account(email: contact.email) != nil
        return ContactInfo(contact, hasAccount: hasAccount)
    }
}

extension WriteOutcome {
    /// Shares removed (or devices moved), for the outcomes that count them.
    var removed: Int {
        if case let .count(_, _, removed) = self { return removed }
        return 0
    }
}
