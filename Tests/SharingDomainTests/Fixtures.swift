import Testing

@testable import SharingDomain

/// A state and a clock, with shortcuts that apply writes and keep the result.
struct World {
    var state: SharingState
    var now: Int64 = 1_700_000_000_000
    var lastChanges = Changes()

    init(limits: Limits = Limits()) { state = SharingState(limits: limits) }

    var at: Timestamp { Timestamp(millisecondsSinceEpoch: now) }

    @discardableResult
    mutating func run(_ command: SharingCommand, as actor: AccountID?) throws(SharingError) -> Applied {
        now += 1
        let applied = try state.apply(command, actor: actor, at: at)
        state = applied.state
        lastChanges = applied.changes
        return applied
    }

    mutating func account(_ email: String, _ language: Language = .en) -> AccountID {
        let applied = try! run(
            .createAccount(
                email: email, language: language,
                apiKeyHash: APIKey.hash(APIKey.generate())), as: nil)
        guard case let .account(a) = applied.outcome else { fatalError() }
        return a.id
    }

    mutating func contact(_ owner: AccountID, _ email: String, language: Language? = nil) {
        try! run(.createContact(email: email, fields: ContactFields(language: language)), as: owner)
    }

    mutating func device(_ owner: AccountID, _ name: String = "pi", ports: [UInt16] = [22, 80]) -> Device {
        let specs = ports.map { ServiceSpec(name: "svc\($0)", port: $0, protocol: "tcp") }
        let applied = try! run(.registerDevice(name: name, services: specs), as: owner)
        guard case let .device(d) = applied.outcome else { fatalError() }
        return d
    }

    /// An owner with `n` contacts that all have accounts; returns the emails and ids.
    mutating func people(_ owner: AccountID, _ n: Int, prefix: String = "p") -> [(email: String, id: AccountID)] {
        (0..<n).map { i in
            let email = "\(prefix)\(i)@example.com"
            let id = account(email)
            contact(owner, email)
            return (email, id)
        }
    }
}

/// Runs `body` and checks it fails with `reason` (and `subject`/`field` when given).
func expectFailure(
    _ reason: SharingError.Reason, subject: String? = nil, field: SharingError.Field? = nil,
    sourceLocation: SourceLocation = #_sourceLocation,
    _ body: () throws(SharingError) -> Void
) {
    do {
        try body()
        Issue.record("expected \(reason.rawValue), but it succeeded", sourceLocation: sourceLocation)
    } catch {
        #expect(error.reason == reason, "\(error)", sourceLocation: sourceLocation)
        if let subject { #expect(error.subject == subject, "\(error)", sourceLocation: sourceLocation) }
        if let field { #expect(error.field == field, "\(error)", sourceLocation: sourceLocation) }
    }
}
