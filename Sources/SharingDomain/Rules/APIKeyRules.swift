/// Named API keys: an account adds keys (one per machine or backend, say)
/// and revokes them one by one, so a key can be replaced without downtime:
/// create the new one, move the callers, revoke the old (docs/SERVER.md).
extension ApplyContext {
    mutating func createAPIKey(name: String, hash: APIKeyHash) throws(SharingError) -> Applied {
        try limits.checkName(name, field: .name)
        let held = state.apiKeysByAccount[actor] ?? []
        if held.contains(where: { state.apiKeys[$0]?.name == name }) {
            throw SharingError(
                .apiKeyNameInUse, subject: name, field: .name, message: "the account has a key with this name")
        }
        guard held.count < limits.maxAPIKeysPerAccount else {
            throw SharingError(
                .limitExceeded, subject: String(held.count), field: .name,
                message: "the account has the maximum of \(limits.maxAPIKeysPerAccount) API keys; revoke one first")
        }
        if state.apiKeyByHash[hash] != nil {
            // 2^-256 by chance; only a caller reusing a key gets here.
            throw SharingError(.invalidArgument, field: .apiKey, message: "API key already in use")
        }
        return finish(.apiKey(addAPIKey(name: name, hash: hash)))
    }

    mutating func revokeAPIKey(_ id: APIKeyID) throws(SharingError) -> Applied {
        // Someone else's key is "not found": ids must not be probed.
        guard let key = state.apiKeys[id], key.account == actor else {
            throw SharingError(.apiKeyNotFound, subject: id.external, field: .keyId, message: "no such API key")
        }
        state.removeAPIKey(key)
        changes.mutations.append(.deleteAPIKey(id))
        record(.apiKeyRevoked, detail: "key=\(id) name=\(key.name)")
        return finish(.apiKey(key))
    }

    /// Adds a key to the actor's account, with its event unless told not to;
    /// the caller has validated it.
    mutating func addAPIKey(name: String, hash: APIKeyHash, recordEvent: Bool = true) -> APIKeyRecord {
        let key = APIKeyRecord(
            id: nextID(\.apiKey, APIKeyID.self), account: actor, name: name, hash: hash, createdAt: at)
        state.putAPIKey(key)
        changes.mutations.append(.putAPIKey(key))
        if recordEvent { record(.apiKeyCreated, detail: "key=\(key.id) name=\(name)") }
        return key
    }
}
