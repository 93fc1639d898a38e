import Foundation
import SharewireClient
import SharewireTestSupport
import Testing

/// The notification outbox stream through the typed client.
@Suite("Client notifications end to end")
struct NotificationsTests {
    @Test("watch delivers notifications as they are written; leaving the loop cancels; ack moves the cursor")
    func watchAndAck() async throws {
        try await LiveServer.with { server in
            let admin = server.serviceClient()
            defer { admin.close() }
            _ = try await admin.createAccount(email: "alice@example.com")
            _ = try await admin.createAccount(email: "bob@example.com", language: .ja)
            let alice = admin.acting(as: "alice@example.com")
            _ = try await alice.createContact(email: "bob@example.com")
            _ = try await alice.createContact(email: "carol@example.com")
            _ = try await alice.inviteContact(email: "carol@example.com")
            let device = try await alice.registerDevice(name: "pi")

            // A writer that shares once the watcher has seen the invite (woken
            // by it; after 20 s it shares anyway and the check below fails).
            let sawInvite = EventCounter()
            let writer = Task {
                _ = await sawInvite.wait(timeout: .seconds(20))
                try await alice.share(devices: [device.id], with: ["bob@example.com"], access: .all)
            }
            var received: [OutboxNotification] = []
            for try await notification in admin.watchNotifications(options: .timeout(.seconds(20))) {
                received.append(notification)
                if notification.kind == .invite { sawInvite.add() }
                if received.count == 2 { break }
            }
            try await writer.value
            #expect(received.map(\.kind) == [.invite, .shareCreated])
            #expect(received[0].recipientEmail == "carol@example.com" && received[0].recipientID == nil)
            #expect(received[1].recipientEmail == "bob@example.com" && received[1].language == .ja)
            #expect(received[0].sequence < received[1].sequence)

            // Resume after the first one, then ack it: a fresh watch starts after the cursor.
            var resumed: [UInt64] = []
            for try await notification in admin.watchNotifications(from: received[0].sequence) {
                resumed.append(notification.sequence)
                break
            }
            #expect(resumed == [received[1].sequence])
            #expect(try await admin.ackNotifications(through: received[0].sequence) == received[0].sequence)
            var afterAck: [UInt64] = []
            for try await notification in admin.watchNotifications() {
                afterAck.append(notification.sequence)
                break
            }
            #expect(afterAck == [received[1].sequence])

            do throws(SharewireError) {
                try await admin.ackNotifications(through: received[1].sequence + 100)
                Issue.record("acking the future must fail")
            } catch {
                #expect(error.code == .outOfRange && error.reason == .sequenceNotReached)
            }
        }
    }

    @Test("cancelling the task that iterates a quiet stream ends it; a deadline ends it with DEADLINE_EXCEEDED")
    func cancellationAndDeadline() async throws {
        try await LiveServer.with { server in
            let admin = server.serviceClient()
            defer { admin.close() }
            // One notification (an invite) to show the stream is open and
            // being iterated; after it the stream is quiet.
            _ = try await admin.createAccount(email: "alice@example.com")
            let alice = admin.acting(as: "alice@example.com")
            _ = try await alice.createContact(email: "carol@example.com")
            _ = try await alice.inviteContact(email: "carol@example.com")
            let delivered = EventCounter()
            let waiting = Task { () -> Result<Int, SharewireError> in
                var count = 0
                do {
                    for try await _ in admin.watchNotifications() {
                        count += 1
                        delivered.add()
                    }
                    return .success(count)
                } catch let error as SharewireError {
                    return .failure(error)
                } catch {
                    return .failure(SharewireError(code: .unknown, message: "\(error)"))
                }
            }
            #expect(await delivered.wait(timeout: .seconds(20)), "the invite was not delivered")
            waiting.cancel()
            let outcome = await waiting.value
            switch outcome {
            case let .success(count): #expect(count == 1)
            case let .failure(error): #expect(error.code == .cancelled)
            }
            // The server is fine after the cancel: another stream runs into its deadline.
            let clock = ContinuousClock()
            let started = clock.now
            do {
                for try await _ in admin.watchNotifications(options: .timeout(.milliseconds(300))) {}
                Issue.record("a deadline must end the stream with an error")
            } catch let error as SharewireError {
                #expect(error.code == .deadlineExceeded)
            }
            #expect(clock.now - started < .seconds(5))
        }
    }

    @Test("a stream whose connection breaks resumes after the last delivered notification")
    func resumesAfterBrokenConnection() async throws {
        try await LiveServer.with { server in
            let proxy = try await FaultProxy.start(upstreamPort: server.process.port)
            let admin = server.serviceClient(endpoint: Endpoint(host: "127.0.0.1", port: proxy.port)) {
                $0.retry = RetryPolicy(maxAttempts: 4, initialBackoff: .milliseconds(5))
            }
            defer { admin.close() }
            // The owner writes around the proxy: a write on the connection the proxy
            // breaks would (rightly) fail with an unknown outcome.
            let direct = server.serviceClient()
            defer { direct.close() }
            let owner = direct.acting(as: try await direct.createAccount(email: "alice@example.com").account.id)
            for index in 0..<3 {
                _ = try await owner.createContact(email: "friend\(index)@example.com")
                _ = try await owner.inviteContact(email: "friend\(index)@example.com")
            }
            proxy.inject(.breakAfterFirstMessage, into: .notificationWatchNotifications)
            var sequences: [UInt64] = []
            for try await notification in admin.watchNotifications(options: .timeout(.seconds(20))) {
                sequences.append(notification.sequence)
                if sequences.count == 3 {
                    // Written while the stream is down or reconnecting.
                    _ = try await owner.createContact(email: "late@example.com")
                    _ = try await owner.inviteContact(email: "late@example.com")
                }
                if sequences.count == 4 { break }
            }
            #expect(sequences == sequences.sorted() && Set(sequences).count == 4)
            #expect(proxy.requests(.notificationWatchNotifications) == 2)
            await proxy.close()
        }
    }

    @Test("an account key may not watch the outbox")
    func watchNeedsServiceKey() async throws {
        try await LiveServer.with { server in
            let (_, alice) = try await server.account("alice@example.com")
            defer { alice.close() }
            do {
                for try await _ in alice.watchNotifications() {}
                Issue.record("expected PERMISSION_DENIED")
            } catch let error as SharewireError {
                #expect(error.code == .permissionDenied && error.reason == .serviceKeyRequired)
            }
        }
    }

    @Test(
        "languages over the wire: a new account inherits its inviter's choice; a share uses the sharer's contact language"
    )
    func languagesFollowTheContactEntries() async throws {
        try await LiveServer.with { server in
            let admin = server.serviceClient()
            defer { admin.close() }
            _ = try await admin.createAccount(email: "alice@example.com")
            let alice = admin.acting(as: "alice@example.com")
            _ = try await alice.createContact(email: "newbie@example.jp", language: .ja)
            _ = try await alice.inviteContact(email: "newbie@example.jp")
            // No language given (UNSPECIFIED on the wire): Japanese, as Alice chose.
            let newbie = try await admin.createAccount(email: "newbie@example.jp")
            #expect(newbie.account.language == .ja)
            // A contact added without a language takes the account's.
            _ = try await admin.createAccount(email: "ken@example.jp", language: .ja)
            #expect(try await alice.createContact(email: "ken@example.jp").language == .ja)
            // Alice sets English on her entry for Ken: her share mails him in English.
            _ = try await alice.updateContact(email: "ken@example.jp", language: .en)
            let device = try await alice.registerDevice(name: "pi")
            try await alice.share(devices: [device.id], with: ["ken@example.jp"], access: .all)
            var shared: OutboxNotification?
            for try await n in admin.watchNotifications(consumer: "languages", options: .timeout(.seconds(20)))
            where n.kind == .shareCreated {
                shared = n
                break
            }
            #expect(shared?.recipientEmail == "ken@example.jp" && shared?.language == .en)
        }
    }

    @Test("a second invite within the resend window is refused with INVITE_RECENTLY_SENT; resend sends it")
    func inviteResendWindow() async throws {
        try await LiveServer.with { server in
            let admin = server.serviceClient()
            defer { admin.close() }
            _ = try await admin.createAccount(email: "alice@example.com")
            let alice = admin.acting(as: "alice@example.com")
            _ = try await alice.createContact(email: "carol@example.com")
            _ = try await alice.inviteContact(email: "carol@example.com")
            do throws(SharewireError) {
                _ = try await alice.inviteContact(email: "carol@example.com")
                Issue.record("a second invite went out at once")
            } catch {
                #expect(error.code == .failedPrecondition)
                #expect(error.reason == .inviteRecentlySent, "\(error)")
            }
            let again = try await alice.inviteContact(email: "carol@example.com", resend: true)
            #expect(again.invitedAt != nil)
        }
    }
}
