import SharingDomain

/// Who a call acts for, once authenticated.
///
/// Every service method works on behalf of exactly one account: the owner of
/// the API key, or the account a service key names with
/// `x-sharewire-act-as`. Object-level authorization (BOLA) is then the
/// domain's job: every query and command takes ``account``.
public struct Caller: Sendable, Hashable, CustomStringConvertible {
    /// How the caller proved who it is.
    public enum Credential: Sendable, Hashable {
        /// One of the account's own API keys (`sw_…`).
        case accountKey(APIKeyID)
        /// The server's service key, acting for ``Caller/account``.
        case serviceKey
        /// A client certificate on the trusted-service list (mutual TLS),
        /// acting for ``Caller/account`` like the service key; the name is
        /// the certificate's name that matched.
        case serviceCertificate(String)
    }

    /// The account the call acts for.
    public let account: AccountID
    public let credential: Credential

    public init(account: AccountID, credential: Credential) {
        self.account = account
        self.credential = credential
    }

    public var description: String {
        switch credential {
        case .accountKey: account.external
        case .serviceKey: "service as \(account.external)"
        case let .serviceCertificate(name): "service \(name) as \(account.external)"
        }
    }
}
