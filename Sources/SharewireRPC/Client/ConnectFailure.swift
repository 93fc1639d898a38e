import NIOCore
import NIOPosix

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Connection failures in the words people use ("connection refused"), not
/// NIO's nested error descriptions: the message of every UNAVAILABLE a
/// failed connect produces, and so of every CLI error about it.
enum ConnectFailure {
    /// A short lower-case phrase for why a connect attempt failed.
    static func describe(_ error: any Error) -> String {
        switch error {
        case let error as NIOConnectionError:
            if let dns = error.dnsAError ?? error.dnsAAAAError, error.connectionErrors.isEmpty {
                return "cannot resolve host \(error.host) (\(describe(dns)))"
            }
            // Every address failed; the reasons usually agree, so say each once.
            var reasons: [String] = []
            for failure in error.connectionErrors {
                let reason = describe(failure.error)
                if !reasons.contains(reason) { reasons.append(reason) }
            }
            return reasons.isEmpty ? "no address to connect to" : reasons.joined(separator: "; ")
        case let error as IOError:
            return describe(errno: error.errnoCode)
        case let error as SocketAddressError:
            if case let .unknown(host, _) = error { return "cannot resolve host \(host)" }
            return "invalid address"
        case ChannelError.connectTimeout(let amount):
            return "timed out after \(amount.nanoseconds / 1_000_000) ms"
        default:
            return "\(error)"
        }
    }

    /// The errno values a connect commonly ends with, in words.
    static func describe(errno code: CInt) -> String {
        switch code {
        case ECONNREFUSED: return "connection refused"
        case ETIMEDOUT: return "connection timed out"
        case EHOSTUNREACH: return "host unreachable"
        case ENETUNREACH: return "network unreachable"
        case ECONNRESET: return "connection reset"
        case EADDRNOTAVAIL: return "address not available"
        case EACCES, EPERM: return "connection not permitted"
        default: return String(cString: strerror(code)).lowercased()
        }
    }
}
