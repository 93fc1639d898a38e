import Synchronization

/// Settings of the client-wide retry budget, after gRPC's `retryThrottling`:
/// a token bucket that stops retries when most recent calls fail, so a sick
/// server is not hit by a retry storm.
public struct RetryThrottling: Sendable, Hashable, Codable {
    /// Size of the bucket (gRPC: 1–1000). The bucket starts full.
    public var maxTokens: Double
    /// Tokens a successful call puts back (gRPC: 0–1, e.g. 0.1).
    public var tokenRatio: Double

    /// - Parameters:
    ///   - maxTokens: bucket size (default 10).
    ///   - tokenRatio: tokens returned per success (default 0.1).
    public init(maxTokens: Double = 10, tokenRatio: Double = 0.1) {
        self.maxTokens = min(max(maxTokens, 1), 1000)
        self.tokenRatio = min(max(tokenRatio, 0), 1)
    }
}

/// The token bucket of ``RetryThrottling``, shared by every call of a client.
///
/// Each retryable failure takes one token, each success puts back
/// `tokenRatio`; retries are allowed only while more than half the bucket
/// is left (gRFC A6). Thread-safe.
public final class RetryBudget: Sendable {
    /// The settings.
    public let throttling: RetryThrottling
    private let tokens: Mutex<Double>

    /// A full bucket.
    public init(_ throttling: RetryThrottling = RetryThrottling()) {
        self.throttling = throttling
        self.tokens = Mutex(throttling.maxTokens)
    }

    /// Tokens left.
    public var available: Double { tokens.withLock { $0 } }

    /// Whether a retry may be made now (more than half the bucket is left).
    public var allowsRetry: Bool { available > throttling.maxTokens / 2 }

    /// Records a call that succeeded.
    public func recordSuccess() {
        let ratio = throttling.tokenRatio, maximum = throttling.maxTokens
        tokens.withLock { $0 = min(maximum, $0 + ratio) }
    }

    /// Records an attempt that failed in a retryable way; returns whether a
    /// retry is still allowed after it.
    @discardableResult
    public func recordFailure() -> Bool {
        let half = throttling.maxTokens / 2
        return tokens.withLock { tokens in
            tokens = max(0, tokens - 1)
            return tokens > half
        }
    }
}
