import ArgumentParser
import SharewireCLICore
import SharewireClient

/// `sharewire check USER DEVICE PORT`.
struct CheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check", abstract: "May USER connect to PORT of DEVICE? Prints yes or no.",
        discussion: """
            Exits 0 for yes and 1 for no, so it can guard a script. USER is `me`, an account id (acc_2) or an \
            email. An account may ask about itself, or about anyone on a device it owns; the service key \
            (without --act-as) may ask about anyone, as a connection broker does. With --scripting, asks \
            whether USER may run scripts instead (no PORT).

            \(example("sharewire check me pi 22 && ssh pi.example.com",
                      "sharewire check bob@example.com pi --scripting"))
            """)
    @Argument(help: "me, an account id or an email.") var user: String
    @Argument(help: "The device (id or name).", completion: ServerCompletion.devices) var device: String
    @Argument(help: "The port.") var port: UInt16?
    @Flag(help: "Ask about running scripts instead of a port.") var scripting = false
    @OptionGroup var connection: ConnectionOptions

    struct Answer: Encodable {
        var allowed: Bool
        var user: String?
        var device: String
        var port: UInt16?
        var scripting: Bool
    }

    func validate() throws {
        if scripting, port != nil { throw ValidationError("give a PORT or --scripting, not both") }
        if !scripting, port == nil { throw ValidationError("missing PORT (or --scripting)") }
        if let port, port == 0 { throw ValidationError("PORT must be 1-65535") }
        do { _ = try ArgumentSyntax.user(user) } catch { throw ValidationError(error.message) }
    }

    func run() async throws {
        var allowed = false
        try await connection.run(.accountOrService) { client, output in
            let id = try await resolveDevices([device], client: client)[0]
            let userID: String?
            switch try ArgumentSyntax.user(user) {
            case .me: userID = nil
            case let .id(account): userID = account
            case let .email(email): userID = try await Self.accountID(of: email, device: id, client: client)
            }
            if let userID, userID.isEmpty {
                allowed = false  // the owner does not share with this email: no access
            } else if let port {
                allowed = try await client.check(user: userID, device: id, port: port)
            } else {
                allowed = try await client.checkScripting(user: userID, device: id)
            }
            output.emit(Answer(allowed: allowed, user: userID, device: id, port: port, scripting: scripting)) {
                allowed ? "yes\n" : "no\n"
            }
        }
        if !allowed { throw ExitCode(CLIExitCode.denied.rawValue) }
    }

    /// The account of `email`: the caller itself, or a person the caller
    /// shares `device` with; "" when the caller owns the device and does not
    /// share it with them.
    static func accountID(of email: String, device: String, client: SharewireClient) async throws -> String? {
        if case .serviceKey(_, nil) = client.configuration.credentials {
            throw CLIError(
                .usage, "the service key alone checks by account id, not by email ('\(email)')",
                hint: "give the account id (see `sharewire admin accounts show \(email)`)")
        }
        let me = try await client.whoami()
        if me.email == email.lowercased() { return nil }
        let shares = try await client.shares(of: device, pageSize: 500).collect(limit: 100_000)
        return shares.first { $0.email == email.lowercased() }?.userID ?? ""
    }
}
