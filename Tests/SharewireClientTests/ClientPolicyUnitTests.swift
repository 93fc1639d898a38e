import Foundation
import Testing

@testable import SharewireClient

/// The retry policy, the retry budget, revision tracking and the value
/// types, without a server.
@Suite("Client policy units")
struct ClientPolicyUnitTests {
    static func error(
        _ code: SharewireError.Code, reason: SharewireError.Reason? = nil,
        notProcessed: Bool = false
    ) -> SharewireError {
        SharewireError(
            code: code, message: "test", detail: reason.map { .init(reason: $0) }, notProcessed: notProcessed)
    }

    @Test("what is retried: not processed for any method; any UNAVAILABLE only for idempotent ones")
    func retryableTable() {
        let policy = RetryPolicy.default
        let rows: [(SharewireError, idempotentRetried: Bool, writeRetried: Bool)] = [
            (Self.error(.unavailable, notProcessed: true), true, true),
            (Self.error(.unavailable), true, false),  // connection broke mid-call: outcome unknown
            (Self.error(.resourceExhausted, reason: .connectionCallLimit), true, true),
            (Self.error(.resourceExhausted, reason: .serverCallLimit), true, true),
            (Self.error(.resourceExhausted, reason: .limitExceeded), false, false),
            (Self.error(.resourceExhausted, reason: .responseTooLarge), false, false),  // processed
            (Self.error(.deadlineExceeded), false, false),
            (Self.error(.cancelled, notProcessed: true), false, false),  // the caller's own cancel
            (Self.error(.unknown), false, false),
            (Self.error(.internal), false, false),
            (Self.error(.notFound, reason: .deviceNotFound), false, false),
            (Self.error(.failedPrecondition, reason: .contactHasNoAccount), false, false),
            (Self.error(.invalidArgument), false, false),
            (Self.error(.permissionDenied), false, false),
            (Self.error(.unauthenticated), false, false),
            (Self.error(.aborted), false, false),
        ]
        for (error, idempotentRetried, writeRetried) in rows {
            #expect(policy.isRetryable(error, idempotent: true) == idempotentRetried, "\(error)")
            #expect(policy.isRetryable(error, idempotent: false) == writeRetried, "\(error)")
        }
    }

    @Test("attempts are capped by maxAttempts")
    func maxAttempts() {
        let policy = RetryPolicy(maxAttempts: 3)
        let refused = Self.error(.unavailable, notProcessed: true)
        #expect(policy.shouldRetry(refused, idempotent: false, attempt: 1))
        #expect(policy.shouldRetry(refused, idempotent: false, attempt: 2))
        #expect(!policy.shouldRetry(refused, idempotent: false, attempt: 3))
        #expect(!RetryPolicy.disabled.shouldRetry(refused, idempotent: true, attempt: 1))
        #expect(RetryPolicy(maxAttempts: 0).maxAttempts == 1)
    }

    @Test("backoff: exponential ceiling capped at maxBackoff, full jitter below it")
    func backoff() {
        let policy = RetryPolicy(
            maxAttempts: 5, initialBackoff: .milliseconds(100), maxBackoff: .milliseconds(500),
            backoffMultiplier: 2)
        #expect(policy.backoffCeiling(beforeRetry: 1) == .milliseconds(100))
        #expect(policy.backoffCeiling(beforeRetry: 2) == .milliseconds(200))
        #expect(policy.backoffCeiling(beforeRetry: 3) == .milliseconds(400))
        #expect(policy.backoffCeiling(beforeRetry: 4) == .milliseconds(500))
        #expect(policy.backoffCeiling(beforeRetry: 40) == .milliseconds(500))
        var rng = SystemRandomNumberGenerator()
        for retry in 1...6 {
            var seen: Set<Int64> = []
            for _ in 0..<200 {
                let delay = policy.backoff(beforeRetry: retry, using: &rng)
                #expect(delay >= .zero && delay < policy.backoffCeiling(beforeRetry: retry))
                seen.insert(delay.nanosecondsClamped / 1_000_000)
            }
            #expect(seen.count > 10, "jitter spreads the delays")
        }
    }

    @Test("retry budget: gRPC's token bucket")
    func budget() {
        let budget = RetryBudget(RetryThrottling(maxTokens: 10, tokenRatio: 0.5))
        #expect(budget.available == 10 && budget.allowsRetry)
        for _ in 0..<4 { #expect(budget.recordFailure()) }  // 9, 8, 7, 6: still above 5
        #expect(!budget.recordFailure())  // 5: not above half
        #expect(!budget.allowsRetry)
        budget.recordSuccess()  // 5.5
        #expect(budget.allowsRetry)
        for _ in 0..<20 { budget.recordFailure() }
        #expect(budget.available == 0)  // never negative
        for _ in 0..<100 { budget.recordSuccess() }
        #expect(budget.available == 10)  // never above the maximum
        #expect(RetryThrottling(maxTokens: 5000, tokenRatio: 3) == RetryThrottling(maxTokens: 1000, tokenRatio: 1))
    }

    @Test("the budget is safe under concurrent use")
    func budgetConcurrent() async {
        let budget = RetryBudget(RetryThrottling(maxTokens: 1000, tokenRatio: 1))
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<8 {
                group.addTask { for _ in 0..<100 { budget.recordFailure() } }
            }
        }
        #expect(budget.available == 200)
    }

    @Test("revision tracking only moves forward, also under concurrency")
    func tracker() async {
        let tracker = RevisionTracker()
        #expect(tracker.current == 0)
        tracker.observe(5)
        tracker.observe(3)
        tracker.observe(0)
        #expect(tracker.current == 5)
        await withTaskGroup(of: Void.self) { group in
            for task in 0..<8 {
                group.addTask { for step in 0..<1000 { tracker.observe(UInt64(step * 8 + task)) } }
            }
        }
        #expect(tracker.current == 999 * 8 + 7)
    }

    @Test("consistency picks the min revision a read sends")
    func minRevision() {
        let client = SharewireClient(endpoint: .localDefault, credentials: .none)
        defer { client.close() }
        #expect(client.minRevision(.default) == 0)
        client.observe(42)
        #expect(client.minRevision(.default) == 42)
        #expect(client.minRevision(.consistency(.minimizeLatency)) == 0)
        #expect(client.minRevision(.consistency(.atLeast(7))) == 7)
        let derived = client.acting(as: "acc_1")
        #expect(derived.revision == 42)
        derived.observe(50)
        #expect(client.revision == 50)
        var configuration = SharewireClient.Configuration(credentials: .none)
        configuration.consistency = .minimizeLatency
        let relaxed = SharewireClient(configuration: configuration)
        defer { relaxed.close() }
        relaxed.observe(9)
        #expect(relaxed.minRevision(.default) == 0)
        #expect(relaxed.minRevision(.consistency(.readYourWrites)) == 9)
    }

    @Test("credentials become the documented metadata; descriptions never show a key")
    func credentials() {
        let key = "sw_" + String(repeating: "a", count: 64)
        let apiKey = SharewireClient.metadata(for: .apiKey(key))
        #expect(apiKey.map(\.key) == ["authorization"] && apiKey.map(\.value) == ["Bearer \(key)"])
        let service = SharewireClient.metadata(for: .serviceKey("secret", actingAs: "bob@example.com"))
        #expect(service.map(\.key) == ["authorization", "x-sharewire-act-as"])
        #expect(service.map(\.value) == ["Bearer secret", "bob@example.com"])
        #expect(SharewireClient.metadata(for: .none).isEmpty)
        #expect(!"\(Credentials.apiKey(key))".contains(key))
        #expect(!"\(Credentials.serviceKey("secret", actingAs: "acc_1"))".contains("secret"))
        let client = SharewireClient(endpoint: .localDefault, credentials: .apiKey(key))
        defer { client.close() }
        #expect(client.acting(as: nil).configuration.credentials == .apiKey(key))
    }

    @Test("endpoints parse host:port")
    func endpoints() {
        #expect(Endpoint("127.0.0.1:7070") == Endpoint(host: "127.0.0.1", port: 7070))
        #expect(Endpoint("[::1]:7070") == Endpoint(host: "::1", port: 7070))
        #expect(Endpoint("[::1]:7070")?.description == "[::1]:7070")
        #expect(Endpoint("localhost:0") == nil)
        #expect(Endpoint("localhost") == nil)
        #expect(Endpoint(":7070") == nil)
    }

    @Test("configuration from the environment")
    func environment() throws {
        typealias Key = SharewireClient.Configuration.EnvironmentKey
        let none = try SharewireClient.Configuration(environment: [:])
        #expect(none.endpoints == [.localDefault] && none.credentials == .none)
        let service = try SharewireClient.Configuration(environment: [
            Key.address: "10.0.0.1:7070, 10.0.0.2:7071", Key.serviceKey: "secret", Key.actAs: "bob@example.com",
        ])
        #expect(service.endpoints == [Endpoint(host: "10.0.0.1", port: 7070), Endpoint(host: "10.0.0.2", port: 7071)])
        #expect(service.credentials == .serviceKey("secret", actingAs: "bob@example.com"))
        let account = try SharewireClient.Configuration(environment: [Key.apiKey: "sw_1", Key.serviceKey: "secret"])
        #expect(account.credentials == .apiKey("sw_1"))
        #expect(throws: SharewireError.self) {
            try SharewireClient.Configuration(environment: [Key.address: "nowhere"])
        }
    }

    @Test("error details name the offending id or email")
    func errorDetails() {
        let email = SharewireError.Detail(reason: .contactHasNoAccount, subject: "bob@example.com", field: "emails")
        #expect(email.email == "bob@example.com" && email.id == nil)
        let id = SharewireError.Detail(reason: .deviceNotFound, subject: "dev_42", field: "device_ids")
        #expect(id.id == "dev_42" && id.email == nil)
        #expect(SharewireError.Detail(reason: .invalidID, subject: "dev_x").id == nil)
        #expect(SharewireError.Detail(reason: .limitExceeded, metadata: ["limit": "500"]).limit == 500)
        #expect(SharewireError.Code.unauthenticated.number == 16 && SharewireError.Code.ok.number == 0)
        let error = SharewireError(code: .failedPrecondition, message: "invite them first", detail: email, attempts: 2)
        #expect(
            error.description
                == "FAILED_PRECONDITION: invite them first [CONTACT_HAS_NO_ACCOUNT bob@example.com field=emails] (after 2 attempts)"
        )
        #expect(error.localizedDescription == error.description)
    }

    @Test("access and roles encode to readable JSON and back")
    func json() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        #expect(
            String(decoding: try encoder.encode(ShareAccess.all), as: UTF8.self)
                == #"{"mode":"all","ports":[],"serviceIds":[]}"#)
        #expect(
            String(decoding: try encoder.encode(ShareAccess.ports([22, 80])), as: UTF8.self)
                == #"{"mode":"ports","ports":[22,80],"serviceIds":[]}"#)
        #expect("\(ShareAccess.ports([22, 80]))" == "ports 22, 80")
        #expect("\(ShareAccess.services(["svc_1"]))" == "services svc_1")
        #expect("\(ShareAccess.scriptsOnly)" == "no services")
        let role = Device.Role.shared(by: "alice@example.com", access: .services(["svc_2"]), scripting: true)
        let back = try JSONDecoder().decode(Device.Role.self, from: try encoder.encode(role))
        #expect(back == role)
        #expect(String(decoding: try encoder.encode(Revision(7)), as: UTF8.self) == "7")
        #expect("\(Revision(7))" == "r7")
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(ShareAccess.self, from: Data(#"{"mode":"some","ports":[],"serviceIds":[]}"#.utf8))
        }
    }
}
