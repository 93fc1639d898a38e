/// Optional contact fields. `nil` leaves a field as it is on update; an empty
/// string clears it.
public struct ContactFields: Hashable, Sendable {
    public var firstName: String?
    public var lastName: String?
    public var company: String?
    public var language: Language?
    public init(firstName: String? = nil, lastName: String? = nil, company: String? = nil, language: Language? = nil) {
        self.firstName = firstName
        self.lastName = lastName
        self.company = company
        self.language = language
    }
}

/// Every write the sharing service accepts.
///
/// Emails arrive as the caller typed them; the rules normalize and validate
/// them so each error can name the field. Ids arrive parsed (see
/// ``SharingID/parse(_:field:)``).
public enum SharingCommand: Hashable, Sendable {
    /// Creates an account. The caller generates the key (``APIKey/generate()``)
    /// and passes only its hash; it needs no actor.
    /// A nil language is inherited from the contact entries for the email (docs/DOMAIN.md).
    case createAccount(email: String, language: Language?, apiKeyHash: APIKeyHash)

    /// Adds a named API key to the actor's account. As with `createAccount`,
    /// the caller generates the key and passes only its hash.
    case createAPIKey(name: String, hash: APIKeyHash)
    /// Revokes one of the actor's API keys: the next call presenting it fails,
    /// on every connection.
    case revokeAPIKey(APIKeyID)

    case createContact(email: String, fields: ContactFields)
    case updateContact(email: String, fields: ContactFields)
    /// Deletes a contact and revokes every share the actor gave that person
    /// (docs/DOMAIN.md); `notify` tells that person (the default, as before the flag).
    case deleteContact(email: String, notify: Bool = true)
    /// Queues an invite to a contact that has no account yet.
    /// `resend`: send even within the resend window (``Limits/inviteResendWindowSeconds``).
    case inviteContact(email: String, resend: Bool = false)

    case registerDevice(name: String, services: [ServiceSpec])
    case renameDevice(DeviceID, name: String)
    case addService(DeviceID, ServiceSpec)
    /// Removes a service; `PORTS` shares naming it lose it.
    case removeService(DeviceID, ServiceID)

    /// Shares every device with every email, all with the same access and
    /// expiry (`nil`: none). All-or-nothing. Re-sharing to someone who already
    /// has access replaces their access and expiry. Port numbers in `access`
    /// resolve per device (``AccessRequest``).
    case share(
        devices: [DeviceID], emails: [String], access: AccessRequest, notify: Bool,
        expiresAt: Timestamp? = nil, requireAcceptance: Bool = false)
    /// Replaces one person's access to one device; `expiry` keeps, clears or sets its expiry.
    case updateShare(
        device: DeviceID, email: String, access: AccessRequest, notify: Bool,
        expiry: ExpiryUpdate = .keep)
    /// Removes the shares of every (device, email) pair that has one. All-or-nothing.
    case removeShares(devices: [DeviceID], emails: [String], notify: Bool)
    /// The actor, a recipient, gives up its access to these devices; `notify`
    /// tells each owner (the default).
    case leave(devices: [DeviceID], notify: Bool = true)
    /// Gives the devices to one of the actor's contacts; every share on them is
    /// removed. `notify` tells both sides and each former recipient (the default).
    case transfer(devices: [DeviceID], toEmail: String, notify: Bool = true)
    /// Removes every share whose expiry has passed at the write's time, with
    /// its events and notifications. Needs no actor: the server's expiry timer
    /// submits it. Finding nothing due writes nothing.
    case expireShares
    /// Deletes one of the actor's devices, its services and every share of it;
    /// `notify` tells each recipient (the default).
    case deleteDevice(DeviceID, notify: Bool = true)
    /// Deletes the actor's account with its devices, shares and contacts;
    /// `confirmEmail` must be its email. `notify` tells the people concerned.
    case deleteAccount(confirmEmail: String, notify: Bool = true)
    /// The actor, a recipient, accepts (or declines) its pending invitations to these devices.
    case respondToInvitations(devices: [DeviceID], accept: Bool)
}

/// What an update does to a share's expiry.
public enum ExpiryUpdate: Hashable, Sendable {
    /// Leaves it as it is.
    case keep
    /// Removes it: the share no longer ends by itself.
    case clear
    /// Sets (or moves, earlier or later) the instant access ends.
    case at(Timestamp)
}

/// What a successful write returns besides its revision.
public enum WriteOutcome: Hashable, Sendable {
    case account(Account)
    case apiKey(APIKeyRecord)
    case contact(Contact)
    case device(Device)
    case service(DeviceID, Service)
    /// Shares created, updated or removed by a bulk write, or devices moved by a transfer.
    case count(created: Int, updated: Int, removed: Int)
    /// What a device or account deletion removed.
    case deleted(devices: Int, shares: Int, contacts: Int)
    case none
}

/// The result of one acknowledged write.
public struct WriteResult: Hashable, Sendable {
    /// The revision that includes this write. A read asking for "at least this"
    /// sees it.
    public let revision: UInt64
    public let outcome: WriteOutcome
    public init(revision: UInt64, outcome: WriteOutcome) {
        self.revision = revision
        self.outcome = outcome
    }
}

/// A write applied to a state: the next state, what to persist, and the outcome.
public struct Applied: Sendable {
    public let state: SharingState
    public let changes: Changes
    public let outcome: WriteOutcome
}

extension SharingID {
    /// Parses an external id or throws `INVALID_ID` naming `field`.
    public static func parse(_ text: some StringProtocol, field: SharingError.Field) throws(SharingError) -> Self {
        guard let id = Self(external: text) else {
            throw SharingError(
                .invalidID, subject: String(text.prefix(Limits.maxIDLength)), field: field,
                message: "not a valid \(Self.prefix)… id")
        }
        return id
    }
}
