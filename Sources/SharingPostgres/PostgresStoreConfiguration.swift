import Foundation
import PostgresNIO

/// Where and how the PostgreSQL store connects, parsed from a URL:
///
///     postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?sslmode=MODE&sslrootcert=FILE&connect_timeout=SECONDS&application_name=NAME]
///
/// `postgresql://` works too; user, password and database may be
/// percent-encoded. postgres-nio 1.33 has no URL parser of its own, so this
/// follows libpq's spelling for the parameters it accepts and refuses any
/// other (a typo must not silently weaken TLS):
///
/// - `sslmode`: `disable` (plain TCP), `allow`/`prefer` (TLS if the server
///   offers it, the default, as in libpq), `require` (TLS, certificate not
///   verified, as in libpq), `verify-ca` (TLS, chain verified against
///   `sslrootcert` or the system roots), `verify-full` (also the host name).
/// - `sslrootcert`: PEM file of the CA certificates to trust.
/// - `connect_timeout`: seconds per connection attempt (default 10).
/// - `application_name`: shown in `pg_stat_activity` (default `sharewired`).
public struct PostgresStoreConfiguration: Sendable {
    public var host: String
    public var port: Int
    public var username: String
    public var password: String?
    public var database: String
    public var sslMode: SSLMode
    public var sslRootCertificate: String?
    public var connectTimeout: Duration
    public var applicationName: String
    /// Most connections the pool opens (PostgresClient's `maximumConnections`).
    /// The writer uses one at a time; the rest serve event and outbox reads.
    public var poolSize: Int = PostgresStoreConfiguration.defaultPoolSize
    /// Longest any one store operation (a commit, a load, a read, including
    /// waiting for a pooled connection) may take before it fails.
    public var operationTimeout: Duration = .seconds(30)
    /// Longest an operation waits for a pooled connection before it fails
    /// with ``PostgresUnreachable`` (the database is down: the pool cannot
    /// connect). Short, so writes fail fast as not processed during an outage.
    public var leaseTimeout: Duration = .seconds(2)
    /// Longest one write transaction (a group commit) may take; it is then
    /// rolled back, never committed late. Set below the clients' deadlines
    /// (`sharewired --postgres-write-timeout-seconds`), a batch stalled on a
    /// connection that died with the server fails as not processed before
    /// its callers give up; the default leaves room for a large bulk share on
    /// a slow database.
    public var writeTimeout: Duration = Self.defaultWriteTimeout

    /// 30 s, the operation timeout.
    public static let defaultWriteTimeout: Duration = .seconds(30)
    /// Wait before reopening the LISTEN connection after it dropped; grows
    /// linearly to ten times this while the server stays unreachable.
    public var reconnectDelay: Duration = .milliseconds(500)

    public static let defaultPoolSize = 8

    public enum SSLMode: String, Sendable, CaseIterable {
        case disable, allow, prefer, require
        case verifyCA = "verify-ca"
        case verifyFull = "verify-full"
    }

    public struct URLError: Error, CustomStringConvertible {
        public let description: String
    }

    /// Parses a `postgres://` URL (see the type's documentation).
    public init(url text: String) throws(URLError) {
        guard let components = URLComponents(string: text),
            let scheme = components.scheme?.lowercased(), scheme == "postgres" || scheme == "postgresql"
        else {
            throw URLError(description: "not a postgres:// URL")
        }
        guard let host = components.host, !host.isEmpty else { throw URLError(description: "the URL has no host") }
        guard let user = components.user, !user.isEmpty else { throw URLError(description: "the URL has no user") }
        let path = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        guard !path.isEmpty, !path.contains("/") else {
            throw URLError(description: "the URL has no database (…/DATABASE)")
        }
        self.host = host
        self.port = components.port ?? 5432
        self.username = user.removingPercentEncoding ?? user
        self.password = components.password.map { $0.removingPercentEncoding ?? $0 }
        self.database = path.removingPercentEncoding ?? path
        self.sslMode = .prefer
        self.sslRootCertificate = nil
        self.connectTimeout = .seconds(10)
        self.applicationName = "sharewired"
        for item in components.queryItems ?? [] {
            let value = item.value ?? ""
            switch item.name {
            case "sslmode":
                guard let mode = SSLMode(rawValue: value) else {
                    throw URLError(description: "sslmode=\(value) is not one of \(SSLMode.allCases.map(\.rawValue))")
                }
                sslMode = mode
            case "sslrootcert": sslRootCertificate = value
            case "connect_timeout":
                guard let s = Int(value), s > 0 else {
                    throw URLError(description: "connect_timeout must be a positive number of seconds")
                }
                connectTimeout = .seconds(s)
            case "application_name": applicationName = value
            default:
                throw URLError(
                    description:
                        "unknown URL parameter \(item.name) (known: sslmode, sslrootcert, connect_timeout, application_name)"
                )
            }
        }
    }

    /// The URL without its password, for logs.
    public var redacted: String {
        "postgres://\(username)@\(host):\(port)/\(database)?sslmode=\(sslMode.rawValue)"
    }

    /// The same server and credentials, another database (tests, administration).
    public func with(database: String) -> PostgresStoreConfiguration {
        var copy = self
        copy.database = database
        return copy
    }

    var clientConfiguration: PostgresClient.Configuration {
        get throws {
            var config = PostgresClient.Configuration(
                host: host, port: port, username: username, password: password,
                database: database, tls: try tls)
            config.options.maximumConnections = poolSize
            config.options.connectTimeout = connectTimeout
            config.options.additionalStartupParameters = startupParameters
            return config
        }
    }

    /// One plain connection with the same settings: opening tries it first,
    /// because the pool retries a failing connect (wrong password, refused
    /// certificate) until the operation times out instead of reporting it.
    var connectionConfiguration: PostgresConnection.Configuration {
        get throws {
            let tls: PostgresConnection.Configuration.TLS =
                switch try tlsSettings {
                case nil: .disable
                case let (required, config)?:
                    required
                        ? .require(try NIOSSLContext(configuration: config))
                        : .prefer(try NIOSSLContext(configuration: config))
                }
            var c = PostgresConnection.Configuration(
                host: host, port: port, username: username, password: password,
                database: database, tls: tls)
            c.options.connectTimeout = .nanoseconds(Int64(connectTimeout.components.seconds) * 1_000_000_000)
            c.options.additionalStartupParameters = startupParameters
            return c
        }
    }

    private var startupParameters: [(String, String)] {
        // Durability is promised per commit: never let a server default of
        // synchronous_commit=off acknowledge a write that is not on disk.
        [("application_name", applicationName), ("synchronous_commit", "on")]
    }

    private var tls: PostgresClient.Configuration.TLS {
        get throws {
            switch try tlsSettings {
            case nil: .disable
            case let (required, config)?: required ? .require(config) : .prefer(config)
            }
        }
    }

    /// `nil` for no TLS; else whether it is required, and how to verify.
    private var tlsSettings: (required: Bool, TLSConfiguration)? {
        get throws {
            var tls = TLSConfiguration.makeClientConfiguration()
            switch sslMode {
            case .disable: return nil
            case .allow, .prefer:
                tls.certificateVerification = .none
                return (false, tls)
            case .require:
                tls.certificateVerification = .none
                return (true, tls)
            case .verifyCA, .verifyFull:
                tls.certificateVerification = sslMode == .verifyCA ? .noHostnameVerification : .fullVerification
                if let sslRootCertificate {
                    tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(sslRootCertificate))
                }
                return (true, tls)
            }
        }
    }
}
