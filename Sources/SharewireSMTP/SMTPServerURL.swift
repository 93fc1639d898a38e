import Foundation

/// An SMTP server given as a URL: `smtp://[user@]host[:port]` (submission
/// with STARTTLS required, port 587) or `smtps://[user@]host[:port]`
/// (implicit TLS, port 465). IPv6 hosts go in brackets. A password is
/// refused: a URL shows in `ps` and in logs.
public struct SMTPServerURL: Hashable, Sendable {
    public var host: String
    public var port: Int
    public var tls: SMTPTLSMode
    public var user: String?

    /// Why a URL was refused, said so that the fix is obvious.
    public struct Invalid: Error, Hashable, CustomStringConvertible {
        public var description: String
    }

    /// A server given by its parts (`--smtp-host`/`--smtp-port`).
    public init(host: String, port: Int, tls: SMTPTLSMode, user: String? = nil) {
        self.host = host
        self.port = port
        self.tls = tls
        self.user = user
    }

    public init(_ text: String) throws(Invalid) {
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased(),
            let host = components.host, !host.isEmpty
        else {
            throw Invalid(description: "the SMTP URL must be smtp://[user@]host[:port] or smtps://…, got \(text)")
        }
        guard components.password == nil else {
            throw Invalid(description: "the SMTP URL must not carry a password (it would show in ps and logs)")
        }
        guard components.path.isEmpty || components.path == "/", components.query == nil, components.fragment == nil
        else {
            throw Invalid(description: "the SMTP URL takes no path, query or fragment, got \(text)")
        }
        switch scheme {
        case "smtp": tls = .startTLS
        case "smtps": tls = .implicit
        default: throw Invalid(description: "the SMTP URL's scheme must be smtp or smtps, got \(scheme)")
        }
        port = components.port ?? (tls == .implicit ? 465 : 587)
        guard (1...65535).contains(port) else { throw Invalid(description: "the SMTP URL's port must be 1-65535") }
        self.host = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        user = components.user?.removingPercentEncoding.flatMap { $0.isEmpty ? nil : $0 }
    }
}
