/// When and how often a failed call is tried again, after gRPC's retry
/// policy (gRFC A6): a maximum number of attempts, exponential backoff with
/// full jitter, and a fixed rule for which failures are safe to retry.
///
/// A call is retried only when repeating it cannot apply a change twice:
///
/// - **any method**, when the server provably did not process it: UNAVAILABLE
///   with ``SharewireError/notProcessed`` (a server refusal while draining,
///   a GOAWAY, a connection that could not be made), or RESOURCE_EXHAUSTED
///   with reason `CONNECTION_CALL_LIMIT` / `SERVER_CALL_LIMIT` (refused before
///   the handler ran; docs/PROTOCOL.md §9.3);
/// - **idempotent methods only** (every read and Check, Whoami,
///   AckNotifications), additionally on any UNAVAILABLE, such as a connection
///   that broke while the call was in flight.
///
/// Never retried: a connection that could not be secured (a `TLS_…`
/// reason: untrusted or expired certificate, …), DEADLINE_EXCEEDED (the deadline covers every attempt),
/// CANCELLED, and every definite answer (NOT_FOUND, INVALID_ARGUMENT, …).
/// A write whose outcome is unknown (its connection broke after it was sent)
/// is never sent twice: the caller gets UNAVAILABLE with `notProcessed ==
/// false` and decides.
///
/// Retries also need the client's ``RetryThrottling`` budget to allow them.
public struct RetryPolicy: Sendable, Hashable, Codable {
    /// Attempts in all, the first included; 1 disables retries. gRPC caps it at 5.
    public var maxAttempts: Int
    /// The backoff ceiling before the first retry.
    public var initialBackoff: Duration
    /// The largest backoff ceiling.
    public var maxBackoff: Duration
    /// Each retry multiplies the ceiling by this.
    public var backoffMultiplier: Double

    /// - Parameters:
    ///   - maxAttempts: attempts in all (default 4).
    ///   - initialBackoff: ceiling of the first delay (default 50 ms).
    ///   - maxBackoff: largest ceiling (default 2 s).
    ///   - backoffMultiplier: growth per retry (default 2).
    public init(
        maxAttempts: Int = 4, initialBackoff: Duration = .milliseconds(50), maxBackoff: Duration = .seconds(2),
        backoffMultiplier: Double = 2
    ) {
        self.maxAttempts = max(1, maxAttempts)
        self.initialBackoff = initialBackoff
        self.maxBackoff = maxBackoff
        self.backoffMultiplier = max(1, backoffMultiplier)
    }

    /// 4 attempts, 50 ms initial backoff doubling up to 2 s.
    public static let `default` = RetryPolicy()
    /// A single attempt: nothing is retried.
    public static let disabled = RetryPolicy(maxAttempts: 1)

    /// Whether `error` is a failure this policy may retry, ignoring the
    /// attempt count and the budget.
    /// - Parameter idempotent: whether repeating the method is harmless.
    public func isRetryable(_ error: SharewireError, idempotent: Bool) -> Bool {
        // A connection that could not be secured fails the same way again.
        if error.reason?.isTLS == true { return false }
        switch error.code {
        case .unavailable:
            return error.notProcessed || idempotent
        case .resourceExhausted:
            return error.reason == .connectionCallLimit || error.reason == .serverCallLimit
        default:
            return false
        }
    }

    /// Whether attempt number `attempt` (1 = the first) failing with `error`
    /// may be followed by another attempt (the budget is checked separately).
    public func shouldRetry(_ error: SharewireError, idempotent: Bool, attempt: Int) -> Bool {
        attempt < maxAttempts && isRetryable(error, idempotent: idempotent)
    }

    /// The delay before retry number `retry` (1 = the first retry): uniformly
    /// random in `0 ..< min(initialBackoff × multiplier^(retry-1), maxBackoff)`,
    /// gRPC's full jitter.
    public func backoff<G: RandomNumberGenerator>(beforeRetry retry: Int, using rng: inout G) -> Duration {
        let ceiling = ceilingSeconds(beforeRetry: retry)
        guard ceiling > 0 else { return .zero }
        return .nanoseconds(Int64(Double.random(in: 0..<ceiling, using: &rng) * 1e9))
    }

    /// The upper bound of ``backoff(beforeRetry:using:)``.
    public func backoffCeiling(beforeRetry retry: Int) -> Duration {
        .nanoseconds(Int64(ceilingSeconds(beforeRetry: retry) * 1e9))
    }

    private func ceilingSeconds(beforeRetry retry: Int) -> Double {
        let initial = initialBackoff.seconds, maximum = maxBackoff.seconds
        let exponent = Double(max(0, retry - 1))
        return min(initial * pow(backoffMultiplier, exponent), maximum)
    }
}

extension Duration {
    /// The duration in seconds, as a `Double`.
    var seconds: Double {
        let (s, attos) = components
        return Double(s) + Double(attos) / 1e18
    }
}

/// `base` raised to `exponent`, without Foundation.
func pow(_ base: Double, _ exponent: Double) -> Double {
    var result = 1.0
    var remaining = Int(exponent.rounded(.down))
    var factor = base
    while remaining > 0 {
        if remaining & 1 == 1 { result *= factor }
        factor *= factor
        remaining >>= 1
    }
    return result
}
