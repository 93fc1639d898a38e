import Foundation
import SharewireClient
import Synchronization
import Testing

/// A write load for failover tests: `workers` tasks, each with a client of
/// its own over every endpoint, acting for an account of its own, creating
/// contacts `c<n>@w<i>.example` one after another. Every outcome is booked:
/// acknowledged, definitely not applied (the server or client says the call
/// was not processed, or a definite refusal), or unknown (the connection or
/// the deadline went while it was in flight). The audit afterwards checks
/// the two promises of docs/CLIENT.md §3: every acknowledged write is
/// there, and nothing answered with a definite failure is.
final class WriteLoad: Sendable {
    struct Outcomes: Sendable {
        var acknowledged: [String] = []
        var refused: [String] = []
        var unknown: [String] = []
        /// Failures by code and reason (`UNAVAILABLE STORAGE_UNAVAILABLE`), for the test's assertions and messages.
        var failures: [String: Int] = [:]
        /// Acknowledged since the last ``WriteLoad/mark()``.
        var sinceMark = 0
        /// The highest revision acknowledged.
        var revision = Revision.zero
    }

    /// Mutex is noncopyable, so each worker's lives in an object of its own.
    final class Book: Sendable {
        let state = Mutex(Outcomes())
        func withLock<T>(_ body: (inout Outcomes) -> T) -> T { state.withLock { body(&$0) } }
    }

    let workers: Int
    private let outcomes: [Book]
    private let stopping = Atomic<Bool>(false)
    private let tasks = Mutex<[Task<Void, Never>]>([])

    /// The account of worker `index`.
    static func email(worker index: Int) -> String { "w\(index)@example.com" }

    init(workers: Int) {
        self.workers = workers
        self.outcomes = (0..<workers).map { _ in Book() }
    }

    /// Creates the workers' accounts through `admin`, then starts writing.
    /// - Parameters:
    ///   - makeClient: a client over every endpoint acting for the given account.
    ///   - timeout: each call's deadline.
    func start(
        admin: SharewireClient, makeClient: @escaping @Sendable (String) -> SharewireClient,
        timeout: Duration = .seconds(5)
    ) async throws {
        for index in 0..<workers { _ = try await admin.createAccount(email: Self.email(worker: index)) }
        var started: [Task<Void, Never>] = []
        for index in 0..<workers {
            let book = outcomes[index]
            started.append(
                Task { [self] in
                    let client = makeClient(Self.email(worker: index))
                    defer { client.close() }
                    // Bounded by count; stopped by the test long before.
                    for n in 0..<5_000 where !stopping.load(ordering: .relaxed) {
                        let email = "c\(n)@w\(index).example"
                        do throws(SharewireError) {
                            _ = try await client.createContact(email: email, options: .timeout(timeout))
                            let revision = client.revision
                            book.withLock {
                                $0.acknowledged.append(email)
                                $0.sinceMark += 1
                                $0.revision = max($0.revision, revision)
                            }
                        } catch {
                            let key =
                                "\(error.code) \(error.reason.map { "\($0)" } ?? "-")\(error.notProcessed ? " not-processed" : "")"
                            book.withLock {
                                $0.failures[key, default: 0] += 1
                                if Self.isDefinite(error) { $0.refused.append(email) } else { $0.unknown.append(email) }
                            }
                            // Not a busy loop while everything fails.
                            try? await Task.sleep(for: .milliseconds(20))
                        }
                    }
                })
        }
        tasks.withLock { $0 = started }
    }

    /// A failure after which the write is certainly not applied: not processed
    /// (docs/PROTOCOL.md §9.3), or a definite answer of the rules.
    static func isDefinite(_ error: SharewireError) -> Bool {
        if error.notProcessed { return true }
        switch error.code {
        case .invalidArgument, .notFound, .alreadyExists, .permissionDenied, .failedPrecondition, .outOfRange,
            .unauthenticated:
            return true
        default:
            return false
        }
    }

    /// Starts counting acknowledgements afresh (``acknowledgedSinceMark``).
    func mark() {
        for book in outcomes { book.withLock { $0.sinceMark = 0 } }
    }

    /// Per worker, acknowledged writes since the last ``mark()``.
    var acknowledgedSinceMark: [Int] { outcomes.map { $0.withLock { $0.sinceMark } } }

    /// Every worker's outcomes so far.
    var snapshot: [Outcomes] { outcomes.map { $0.withLock { $0 } } }

    /// Failures of all workers by code and reason.
    var failures: [String: Int] {
        snapshot.reduce(into: [:]) { total, outcomes in total.merge(outcomes.failures, uniquingKeysWith: +) }
    }

    /// Waits (polling, bounded by `limit`) until `condition` holds; false if it never did.
    func wait(upTo limit: Duration, until condition: () -> Bool) async -> Bool {
        let end = ContinuousClock.now + limit
        while ContinuousClock.now < end {
            if condition() { return true }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return condition()
    }

    /// Stops the workers and waits for their last calls.
    func stop() async {
        stopping.store(true, ordering: .relaxed)
        for task in tasks.withLock({ $0 }) { await task.value }
    }

    /// Reads every worker's contacts through `reader` (the service key, at
    /// least the highest acknowledged revision) and checks the promises.
    func audit(reader: SharewireClient) async throws {
        let books = snapshot
        let revision = books.map(\.revision).max() ?? .zero
        for (index, book) in books.enumerated() {
            let contacts = try await reader.acting(as: Self.email(worker: index))
                .contacts(pageSize: 500, options: .consistency(.atLeast(revision))).collect()
            let present = Set(contacts.map(\.email))
            let missing = book.acknowledged.filter { !present.contains($0) }
            let wronglyPresent = book.refused.filter { present.contains($0) }
            #expect(missing.isEmpty, "worker \(index): acknowledged but missing: \(missing)")
            #expect(
                wronglyPresent.isEmpty,
                "worker \(index): answered with a definite failure but present: \(wronglyPresent)")
            // Nothing else appeared: every contact is one this worker tried.
            let tried = Set(book.acknowledged + book.refused + book.unknown)
            #expect(
                present.isSubset(of: tried), "worker \(index): contacts nobody wrote: \(present.subtracting(tried))")
        }
    }
}
