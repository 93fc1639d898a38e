import Logging
import PostgresNIO
import SharingDomain
import Synchronization

/// No pooled connection could be leased within
/// ``PostgresStoreConfiguration/leaseTimeout``: the database is down or
/// unreachable (the pool keeps failing to connect). Nothing was sent, so a
/// write failing with it certainly did not commit (`STORAGE_UNAVAILABLE`,
/// not processed), and the writer need not re-read the state.
public struct PostgresUnreachable: Error, CommitNotStarted, CustomStringConvertible {
    public let leaseTimeout: Duration
    public var description: String {
        "no connection to PostgreSQL within \(leaseTimeout) (the database is down or unreachable)"
    }
}

/// Where one store operation is, shared by its body and its timers, so that
/// exactly one of them decides how it ends and a timed-out body can never
/// send COMMIT afterwards.
final class OperationGate: Sendable {
    private enum Phase: UInt8 {
        case leasing, running, committing, abandoned
    }

    private let phase = Atomic<UInt8>(Phase.leasing.rawValue)

    private func move(from: Phase, to: Phase) -> Bool {
        phase.compareExchange(expected: from.rawValue, desired: to.rawValue, ordering: .sequentiallyConsistent)
            .exchanged
    }

    /// The body got its connection; false when the operation was already abandoned.
    func begin() -> Bool { move(from: .leasing, to: .running) }
    /// The body is about to send COMMIT; false when the operation was abandoned (roll back instead).
    func beginCommit() -> Bool { move(from: .running, to: .committing) }
    /// The lease timed out: true when no connection was leased (nothing will be sent).
    func abandonLeasing() -> Bool { move(from: .leasing, to: .abandoned) }
    /// The operation timed out: true when COMMIT was not (and now never will be) sent.
    func abandonRunning() -> Bool { move(from: .running, to: .abandoned) || move(from: .leasing, to: .abandoned) }
}

/// The body's outcome or a timer's, delivered once.
private final class Outcome<T: Sendable>: Sendable {
    private let continuation: Mutex<CheckedContinuation<T, any Error>?>
    init(_ continuation: CheckedContinuation<T, any Error>) { self.continuation = Mutex(continuation) }
    /// Resumes the waiter unless something else did; true if this call did.
    @discardableResult
    func deliver(_ result: Result<T, any Error>) -> Bool {
        guard
            let c = continuation.withLock({ c -> CheckedContinuation<T, any Error>? in
                defer { c = nil }
                return c
            })
        else {
            return false
        }
        c.resume(with: result)
        return true
    }
}

extension PostgresSharingStore {
    /// Runs `body` on a pooled connection. It fails with
    /// ``PostgresUnreachable`` when no connection is leased within the lease
    /// timeout (the database is down: without this every operation waited the
    /// whole operation timeout, and writes answered after their callers'
    /// deadlines, an unknown outcome, instead of at once as not processed),
    /// and with ``PostgresStoreTimeout`` after the operation timeout, or
    /// ``SharingDomain/CommitOutcomeUnknown`` if the body was then past
    /// ``OperationGate/beginCommit()``. It returns at a timeout without
    /// waiting for the body: a query on a connection that died with the
    /// server was seen never to return, which held the writer forever. The
    /// gate makes sure such a body never sends COMMIT later.
    ///
    /// - Parameter timeout: the operation timeout; nil for ``PostgresStoreConfiguration/operationTimeout``.
    func withConnection<T: Sendable>(
        timeout: Duration? = nil, _ body: @escaping @Sendable (PostgresConnection, OperationGate) async throws -> T
    ) async throws -> T {
        let gate = OperationGate()
        let timeout = timeout ?? configuration.operationTimeout
        let lease = min(configuration.leaseTimeout, timeout)
        let client = self.client, logger = self.logger
        var work: Task<Void, Never>?
        var timer: Task<Void, Never>?
        defer {
            work?.cancel()
            timer?.cancel()
        }
        return try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            let outcome = Outcome(continuation)
            work = Task {
                do {
                    let value = try await client.withConnection { c in
                        guard gate.begin() else { throw CancellationError() }
                        return try await body(c, gate)
                    }
                    outcome.deliver(.success(value))
                } catch {
                    if !outcome.deliver(.failure(error)) {
                        logger.debug("abandoned PostgreSQL operation ended", metadata: ["error": "\(error)"])
                    }
                }
            }
            timer = Task {
                do { try await Task.sleep(for: lease) } catch { return }
                if gate.abandonLeasing() {
                    outcome.deliver(.failure(PostgresUnreachable(leaseTimeout: lease)))
                    return
                }
                do { try await Task.sleep(for: timeout - lease) } catch { return }
                let failure: any Error =
                    gate.abandonRunning()
                    ? PostgresStoreTimeout(timeout: timeout)
                    : CommitOutcomeUnknown(cause: PostgresStoreTimeout(timeout: timeout))
                if outcome.deliver(.failure(failure)) {
                    logger.warning(
                        "PostgreSQL operation timed out; not waiting for it", metadata: ["timeout": "\(timeout)"])
                }
            }
        }
    }

    /// ``withConnection(_:)`` for a body that needs no gate.
    func withConnection<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws
        -> T
    {
        try await withConnection { c, _ in try await body(c) }
    }

    /// ``withConnection(_:)`` in one transaction (postgres-nio's: BEGIN,
    /// `body`, COMMIT; ROLLBACK on a throw). For reads; writes use
    /// ``writeTransaction(_:)``, which tells an unknown COMMIT outcome apart.
    func withTransaction<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws
        -> T
    {
        let logger = self.logger
        return try await withConnection { c in
            try await c.withTransaction(logger: logger) { c in try await body(c) }
        }
    }
}
