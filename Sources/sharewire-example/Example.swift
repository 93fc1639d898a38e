import Foundation
import SharewireClient

/// A backend using Sharewire service to service, with the operator's service key:
///
/// 1. creates an owner and three recipients (accounts), acting as the owner
///    registers three devices and adds the recipients as contacts;
/// 2. **bulk share**: port 22 of every device with every recipient, plus
///    scripting, in one all-or-nothing call;
/// 3. **service-to-service Check**: as a connection broker (service key, no
///    act-as) asks whether a recipient may reach port 22, in one call and in a batch;
/// 4. revokes one recipient and checks again: read-your-writes makes the
///    check reflect the revoke at once, with no revision bookkeeping.
///
/// Usage: `sharewire-example [--address host:port] [--service-key-file path]`
/// (defaults: `$SHAREWIRE_ADDRESS` or `127.0.0.1:7070`; the key from the file or
/// `$SHAREWIRE_SERVICE_KEY`). Exits non-zero on any failure.
@main
struct Example {
    static func main() async {
        do {
            try await run(options: try Options.parse(CommandLine.arguments.dropFirst()))
        } catch {
            FileHandle.standardError.write(Data("sharewire-example: \(error)\n".utf8))
            exit(1)
        }
    }

    static func run(options: Options) async throws {
        var configuration = options.configuration
        configuration.defaultTimeout = .seconds(5)
        let broker = SharewireClient(configuration: configuration)
        defer { broker.close() }
        print("server \(configuration.endpoints[0]): \(try await broker.health())")

        // Unique emails, so the example can run again on the same data.
        let run = String(UInt64(Date().timeIntervalSince1970 * 1000), radix: 36)
        let owner = try await broker.createAccount(email: "owner-\(run)@example.com")
        var recipients: [Account] = []
        for index in 1...3 {
            recipients.append(try await broker.createAccount(email: "user\(index)-\(run)@example.com").account)
        }
        print("accounts: owner \(owner.account), recipients \(recipients.map(\.id).joined(separator: ", "))")

        // The same connections, acting for the owner.
        let ownerClient = broker.acting(as: owner.account.email)
        var devices: [Device] = []
        for name in ["pi", "nas", "router"] {
            devices.append(
                try await ownerClient.registerDevice(
                    name: "\(name)-\(run)",
                    services: [
                        NewService(name: "ssh", port: 22, protocol: "ssh"),
                        NewService(name: "web", port: 80, protocol: "http"),
                    ]))
        }
        for recipient in recipients { _ = try await ownerClient.createContact(email: recipient.email) }

        // Bulk share: 3 devices x 3 people, one durable all-or-nothing write.
        // Port 22 resolves on each device to the service listening on it.
        let shared = try await ownerClient.share(
            devices: devices.map(\.id), with: recipients.map(\.email),
            access: .ports([22]), scripting: true)
        print("bulk share: \(shared)")

        // Service-to-service Check, as the broker (service key without act-as).
        let first = recipients[0], device = devices[0]
        let allowed = try await broker.check(user: first.id, device: device.id, port: 22)
        print("check \(first.id) → \(device.id):22 = \(allowed)")
        let queries =
            recipients.map { CheckQuery.port(22, user: $0.id, device: device.id) }
            + [CheckQuery.port(80, user: first.id, device: device.id), .scripting(user: first.id, device: device.id)]
        let answers = try await broker.checkBatch(queries)
        for (query, answer) in zip(queries, answers) { print("  \(query) = \(answer)") }

        // Revoke, then check again: the broker's read asks for at least the
        // revoke's revision, so the revoked user is refused immediately.
        let revoked = try await ownerClient.removeShares(devices: [device.id], from: [first.email])
        let after = try await broker.check(user: first.id, device: device.id, port: 22)
        print("revoked \(first.email) on \(device.id) at \(revoked.revision); check again = \(after)")
        let common = try await ownerClient.commonSharees(devices: devices.map(\.id))
        print("still on every device: \(common.map(\.email).joined(separator: ", "))")

        guard allowed, !after, answers == [true, true, true, false, true], common.count == 2 else {
            throw ExampleError("unexpected answers")
        }
        print("ok")
    }
}

struct ExampleError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Command-line options over the environment (`SHAREWIRE_ADDRESS`, `SHAREWIRE_SERVICE_KEY`).
struct Options {
    var configuration: SharewireClient.Configuration

    static func parse(_ arguments: ArraySlice<String>) throws -> Options {
        var environment = ProcessInfo.processInfo.environment
        environment.removeValue(forKey: SharewireClient.Configuration.EnvironmentKey.apiKey)
        var rest = arguments[...]
        while let flag = rest.popFirst() {
            guard let value = rest.popFirst() else { throw ExampleError("\(flag) needs a value") }
            switch flag {
            case "--address":
                environment[SharewireClient.Configuration.EnvironmentKey.address] = value
            case "--service-key-file":
                environment[SharewireClient.Configuration.EnvironmentKey.serviceKey] =
                    try String(contentsOfFile: value, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
            default: throw ExampleError("unknown option \(flag); use --address host:port, --service-key-file path")
            }
        }
        let configuration = try SharewireClient.Configuration(environment: environment)
        guard case .serviceKey(_, actingAs: nil) = configuration.credentials else {
            throw ExampleError(
                "no service key: pass --service-key-file or set SHAREWIRE_SERVICE_KEY (and no SHAREWIRE_ACT_AS)")
        }
        return Options(configuration: configuration)
    }
}
