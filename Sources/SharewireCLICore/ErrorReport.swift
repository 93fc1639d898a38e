import SharewireClient

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// A failure as the CLI reports it: exit code, message, the typed detail of
/// a server error, and a hint. Printed as `error: …` lines for people, or as
/// one JSON object with `--json`; both on stderr.
public struct ErrorReport: Sendable, Hashable, Encodable {
    /// The process exit code.
    public var exitCode: Int32
    /// The exit code's name (`not-found`).
    public var kind: String
    /// The status code name for a server error (`NOT_FOUND`); `nil` for a local error.
    public var code: String?
    /// What went wrong.
    public var message: String
    /// The server's reason (`CONTACT_HAS_NO_ACCOUNT`).
    public var reason: String?
    /// The offending id, email or value.
    public var subject: String?
    /// The offending request field.
    public var field: String?
    /// Further facts, e.g. `limit`.
    public var metadata: [String: String]?
    /// What to do about it.
    public var hint: String?

    /// The report for a failed call. `endpoint` names the server in the hint
    /// of a connection failure; `credentials`, what was sent, lets a refused
    /// key be named for what it is.
    public init(_ error: SharewireError, endpoint: String? = nil, credentials: Credentials? = nil) {
        let exit = CLIExitCode(error.code)
        exitCode = exit.rawValue
        kind = exit.description
        code = error.code.rawValue
        message = error.message.isEmpty ? error.code.rawValue : error.message
        if error.code == .unauthenticated, case .serviceKey? = credentials, message == "unknown API key" {
            // The server cannot tell which kind of key it did not recognise; the CLI can.
            message = "unknown service key"
        }
        if error.code == .unavailable, message.hasSuffix(" ms)"),
            let retry = message.range(of: " (next attempt in ", options: .backwards)
        {
            // The library's pool retries; the CLI makes one attempt, so the schedule means nothing here.
            message = String(message[..<retry.lowerBound])
        }
        reason = error.detail?.reason.rawValue
        subject = error.detail?.subject
        field = error.detail?.field
        metadata = error.detail.flatMap { $0.metadata.isEmpty ? nil : $0.metadata }
        hint = Self.hint(for: error, endpoint: endpoint, credentials: credentials)
    }

    /// The report for a local failure.
    public init(_ error: CLIError) {
        exitCode = error.exitCode.rawValue
        kind = error.exitCode.description
        message = error.message
        hint = error.hint
    }

    /// `error: <message> [REASON: subject, field]` and, if any, `hint: …`; each line ends in `\n`.
    public func humanText() -> String {
        var line = "error: \(message)"
        var facts: [String] = []
        if let reason { facts.append(reason) }
        if let subject, !message.contains(subject) { facts.append(subject) }
        if let field { facts.append("field \(field)") }
        if let limit = metadata?["limit"] { facts.append("limit \(limit)") }
        if !facts.isEmpty { line += " (\(facts.joined(separator: ", ")))" }
        var text = line + "\n"
        if let hint { text += "hint: \(hint)\n" }
        return text
    }

    /// `{"error":{…}}` on one line, then `\n`.
    public func jsonText() -> String {
        struct Wrapper: Encodable { var error: ErrorReport }
        return JSONOutput.line(Wrapper(error: self))
    }

    static func hint(for error: SharewireError, endpoint: String?, credentials: Credentials?) -> String? {
        switch error.reason {
        case .contactHasNoAccount?:
            return "invite them: sharewire contacts invite \(error.detail?.email ?? "EMAIL")"
        case .contactNotFound?:
            return "add them first: sharewire contacts add \(error.detail?.email ?? "EMAIL")"
        case .serviceNotOnDevice?, .serviceNotFound?:
            return "see the device's services with: sharewire devices show DEVICE"
        case .actAsRequired?:
            return "the service key needs an account to act for: --act-as EMAIL"
        case .serviceKeyRequired?:
            return "this needs the service key (SHAREWIRE_SERVICE_KEY or --service-key-file)"
        case .serviceKeyNotConfigured?:
            return "start sharewired with SHAREWIRE_SERVICE_KEY or --service-key-file"
        case .tlsCertificateUntrusted?:
            return "trust the CA that signed the server's certificate: --tls-ca-file PATH (SHAREWIRE_TLS_CA_FILE)"
        case .tlsCertificateExpired?, .tlsCertificateNotYetValid?:
            return "the server's certificate must be renewed (or the clock here is wrong)"
        case .tlsHostnameMismatch?:
            return "connect by a name in the server's certificate, or set --tls-server-name (SHAREWIRE_TLS_SERVER_NAME)"
        case .tlsClientCertificateRejected?:
            return "the server requires a client certificate signed by a CA it trusts: --tls-cert and --tls-key"
        case .tlsRequired?:
            return "the server requires TLS: add --tls (SHAREWIRE_TLS=true) and --tls-ca-file if its CA is private"
        case .tlsNotSpokenByServer?:
            return
                "the server at \(endpoint ?? "the address") may be plaintext: drop --tls / SHAREWIRE_TLS, or check the port"
        case .tlsConfigurationInvalid?:
            return "check the TLS files: --tls-ca-file, --tls-cert, --tls-key"
        default:
            break
        }
        switch error.code {
        case .unauthenticated:
            switch credentials {
            case .serviceKey?:
                return
                    "use the service key sharewired was started with: --service-key-file or SHAREWIRE_SERVICE_KEY(_FILE)"
            case .apiKey?:
                return "check the account's API key (sw_…): --api-key or SHAREWIRE_API_KEY"
            default:
                return "check the key: --api-key / SHAREWIRE_API_KEY, or the service key"
            }
        case .unavailable:
            return
                "is sharewired running at \(endpoint ?? "the address")? Try `sharewire status`; set --address or SHAREWIRE_ADDRESS"
        case .deadlineExceeded:
            return "the server did not answer in time; SHAREWIRE_TIMEOUT sets the limit in seconds"
        default:
            return nil
        }
    }
}

/// The JSON the CLI prints with `--json` (docs/CLI.md §JSON).
public enum JSONOutput {
    /// Sorted keys, ISO 8601 dates, `/` unescaped.
    public static func encoder(pretty: Bool) -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting =
            pretty
            ? [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            : [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }

    /// A value as pretty JSON, ending in `\n`.
    public static func document<T: Encodable>(_ value: T) -> String {
        encode(value, pretty: true)
    }

    /// A value as one line of JSON (for streams: one object per line), ending in `\n`.
    public static func line<T: Encodable>(_ value: T) -> String {
        encode(value, pretty: false)
    }

    private static func encode<T: Encodable>(_ value: T, pretty: Bool) -> String {
        do {
            return String(decoding: try encoder(pretty: pretty).encode(value), as: UTF8.self) + "\n"
        } catch {
            // Every value printed is a plain Codable struct; this cannot happen.
            return "{\"error\":{\"message\":\"cannot encode the output as JSON\"}}\n"
        }
    }
}
