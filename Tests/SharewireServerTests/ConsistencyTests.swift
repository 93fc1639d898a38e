import NIOCore
import SharewireMessages
import SharewireRPC
import SharewireServer
import SharewireTestSupport
import SharewireWire
import SharingDomain
import Testing

/// Revisions: a read at the revision of a write sees it ("new enemy").
@Suite(.timeLimit(.minutes(2)))
struct ConsistencyTests {
    @Test(arguments: ServiceStore.allCases) func checkAtARevokesRevisionDenies(store: ServiceStore) async throws {
        let h = try await Harness.start(store: store)
        let owner = try await h.createAccount("owner@example.com")
        let enemy = try await h.createAccount("enemy@example.com")
        _ =
            try await h.call(
                Sharewire_V1.ContactService.Method.Create.descriptor, CreateContactRequest(email: "enemy@example.com"),
                as: owner)
            as CreateContactResponse
        let device: RegisterDeviceResponse = try await h.call(
            Sharewire_V1.DeviceService.Method.Register.descriptor,
            RegisterDeviceRequest(
                name: "vault", services: [NewService(name: "ssh", port: 22, protocol: "ssh")]), as: owner)
        let dev = device.device.id
        // Repeat, so a revoke racing a check would show up at least once.
        for round in 0..<25 {
            let shared: ShareResponse = try await h.call(
                Sharewire_V1.SharingService.Method.Share.descriptor,
                ShareRequest(
                    deviceIDs: [dev], emails: ["enemy@example.com"], access: Access(mode: .all)), as: owner)
            let granted: CheckPortResponse = try await h.client.unary(
                Sharewire_V1.CheckService.Method.Check.descriptor,
                CheckPortRequest(userID: enemy.id, deviceID: dev, port: 22, minRevision: shared.revision),
                metadata: Harness.service())
            #expect(granted.allowed, "round \(round)")
            #expect(granted.revision >= shared.revision)
            let revoked: RemoveSharesResponse = try await h.call(
                Sharewire_V1.SharingService.Method.RemoveShares.descriptor,
                RemoveSharesRequest(
                    deviceIDs: [dev], emails: ["enemy@example.com"]), as: owner)
            #expect(revoked.removed == 1)
            #expect(revoked.revision > shared.revision)
            let denied: CheckPortResponse = try await h.client.unary(
                Sharewire_V1.CheckService.Method.Check.descriptor,
                CheckPortRequest(userID: enemy.id, deviceID: dev, port: 22, minRevision: revoked.revision),
                metadata: Harness.service())
            #expect(!denied.allowed, "round \(round): the revoked user got in")
            #expect(denied.revision >= revoked.revision)
        }
        await h.stop()
    }

    @Test(arguments: ServiceStore.allCases) func aRevisionNotYetReachedFailsWithinTheDeadline(store: ServiceStore)
        async throws
    {
        let h = try await Harness.start(store: store)
        let a = try await h.createAccount("a@example.com")
        let future = h.revision + 1_000
        let error = await h.failure(
            Sharewire_V1.CheckService.Method.Check.descriptor,
            CheckPortRequest(deviceID: "dev_1", port: 22, minRevision: future),
            metadata: a.metadata, timeout: .milliseconds(300), responseType: CheckPortResponse.self)
        #expect(error?.code == .deadlineExceeded)
        let list = await h.failure(
            Sharewire_V1.ContactService.Method.List.descriptor, ListContactsRequest(minRevision: future),
            metadata: a.metadata,
            timeout: .milliseconds(300), responseType: ListContactsResponse.self)
        #expect(list?.code == .deadlineExceeded)
        await h.stop()
    }

    /// With a call deadline shorter than the server's max wait (10 s here), a
    /// read whose `min_revision` is never reached fails DEADLINE_EXCEEDED with
    /// reason REVISION_NOT_REACHED every time (PROTOCOL.md §17.4, SERVER.md
    /// §5), never the transport's bare `deadline exceeded on the server`: the
    /// wait ends a margin before the deadline, and should it miss that (a
    /// stalled machine), the transport lets the cancelled handler answer
    /// first. Both the immediate-path reads (Check) and the task-only ones
    /// (Whoami, the two Lists) are covered. A raw connection sends the calls:
    /// it has no local deadline of its own to race the server's answer.
    @Test(arguments: ServiceStore.allCases, [MethodID.checkCheck, .deviceList, .contactList, .accountWhoami])
    func anUnreachedRevisionAlwaysSaysRevisionNotReached(store: ServiceStore, method: MethodID) async throws {
        let h = try await Harness.start(store: store)
        let a = try await h.createAccount("a@example.com")
        let future = h.revision + 1_000
        let clock = ContinuousClock()
        try await RawConnection.with(port: h.port) { raw in
            raw.closeAfter(.seconds(60))
            try await raw.send(RawConnection.handshakeBytes())
            for round in 0..<20 {
                let streamID = UInt32(2 * round + 1)
                let started = clock.now
                let bytes: ByteBuffer =
                    switch method {
                    case .checkCheck:
                        Self.request(
                            streamID, method, CheckPortRequest(deviceID: "dev_1", port: 22, minRevision: future), a)
                    case .deviceList:
                        Self.request(streamID, method, ListDevicesRequest(minRevision: future), a)
                    case .contactList:
                        Self.request(streamID, method, ListContactsRequest(minRevision: future), a)
                    default:
                        Self.request(streamID, method, WhoamiRequest(minRevision: future), a)
                    }
                try await raw.send(bytes)
                let frame = try #require(
                    try await raw.read { $0.response(for: streamID) != nil }?.response(for: streamID))
                let elapsed = clock.now - started
                let head = try ResponseHead(buffer: HeadedPayload(splitting: frame.payload).head)
                #expect(head.code == StatusCode.deadlineExceeded.rawValue, "round \(round): \(head.message)")
                #expect(head.details.first?.reason == "REVISION_NOT_REACHED", "round \(round): '\(head.message)'")
                #expect(head.details.first?.subject == String(future), "round \(round)")
                #expect(head.details.first?.field == "min_revision", "round \(round)")
                // It did wait (most of the deadline), and not for ever.
                #expect(elapsed >= .milliseconds(100), "round \(round): \(elapsed)")
                #expect(elapsed < .seconds(5), "round \(round): \(elapsed)")
            }
        }
        await h.stop()
    }

    private static func request(
        _ streamID: UInt32, _ method: MethodID, _ message: some ProtoMessage,
        _ account: TestAccount
    ) -> ByteBuffer {
        RawConnection.requestBytes(
            streamID: streamID, methodID: method.rawValue, message: message,
            timeoutMicros: 200_000, metadata: account.metadata)
    }

    @Test func theRevisionWaitEndsBeforeTheCallDeadline() {
        let reads = ReadConsistency(
            snapshots: SharingSnapshots(SharingState()), maxWait: .seconds(10),
            errors: ErrorMapper(limits: Limits()))
        #expect(reads.waitLimit(remaining: nil) == .seconds(10))
        #expect(reads.waitLimit(remaining: .milliseconds(200)) == .milliseconds(150))
        #expect(reads.waitLimit(remaining: .seconds(2)) == .milliseconds(1_900))
        #expect(reads.waitLimit(remaining: .seconds(60)) == .seconds(10))
        #expect(reads.waitLimit(remaining: .milliseconds(-5)) == .zero)
    }

    @Test(arguments: ServiceStore.allCases) func aReadWaitingForARevisionIsAnsweredWhenItCommits(store: ServiceStore)
        async throws
    {
        let h = try await Harness.start(store: store)
        let a = try await h.createAccount("a@example.com")
        let next = h.revision + 1
        let waiting = Task {
            try await h.call(
                Sharewire_V1.ContactService.Method.List.descriptor, ListContactsRequest(minRevision: next), as: a)
                as ListContactsResponse
        }
        // Bounded wait until the read is parked, then write.
        let clock = ContinuousClock()
        let end = clock.now + .seconds(10)
        while h.backend.snapshots.waitingReaders == 0, clock.now < end { try await Task.sleep(for: .milliseconds(2)) }
        _ =
            try await h.call(
                Sharewire_V1.ContactService.Method.Create.descriptor, CreateContactRequest(email: "z@example.com"),
                as: a) as CreateContactResponse
        let listed = try await waiting.value
        #expect(listed.revision >= next)
        #expect(listed.contacts.map(\.email) == ["z@example.com"])
        await h.stop()
    }
}

/// The outbox: watch, ack, resume; delivery at least once.
@Suite(.timeLimit(.minutes(2)))
struct NotificationOutboxTests {
    func watch(_ h: Harness, after: UInt64 = 0, consumer: String = "", count: Int) async throws -> [NotificationEntry] {
        let stream: ServerStream<WatchNotificationsResponse> = try await h.client.serverStream(
            Sharewire_V1.NotificationService.Method.WatchNotifications.descriptor,
            WatchNotificationsRequest(afterSequence: after, consumer: consumer),
            metadata: Harness.service(), timeout: .seconds(30))
        var all: [NotificationEntry] = []
        for try await message in stream {
            #expect(!message.notifications.isEmpty)
            all += message.notifications
            if all.count >= count { break }
        }
        return all
    }

    @Test(arguments: ServiceStore.allCases) func watchFollowsNewCommitsAndAckMovesTheResumePoint(store: ServiceStore)
        async throws
    {
        let h = try await Harness.start(store: store)
        let owner = try await h.createAccount("owner@example.com")
        func invite(_ email: String) async throws {
            _ =
                try await h.call(
                    Sharewire_V1.ContactService.Method.Create.descriptor, CreateContactRequest(email: email), as: owner)
                as CreateContactResponse
            _ =
                try await h.call(
                    Sharewire_V1.ContactService.Method.Invite.descriptor, InviteContactRequest(email: email), as: owner)
                as InviteContactResponse
        }
        try await invite("one@example.com")
        try await invite("two@example.com")

        // A stream that is already open receives notifications committed later.
        let follower = Task { try await watch(h, count: 3) }
        let clock = ContinuousClock()
        let end = clock.now + .seconds(10)
        while h.backend.bell.waiting == 0, clock.now < end { try await Task.sleep(for: .milliseconds(2)) }
        try await invite("three@example.com")
        let followed = try await follower.value
        #expect(followed.map(\.recipientEmail) == ["one@example.com", "two@example.com", "three@example.com"])
        #expect(followed.map(\.sequence) == followed.map(\.sequence).sorted())

        // Ack the first; a new stream resumes after it.
        let ack: AckNotificationsResponse = try await h.client.unary(
            Sharewire_V1.NotificationService.Method.AckNotifications.descriptor,
            AckNotificationsRequest(throughSequence: followed[0].sequence),
            metadata: Harness.service())
        #expect(ack.acknowledgedSequence == followed[0].sequence)
        let resumed = try await watch(h, count: 2)
        #expect(resumed.map(\.recipientEmail) == ["two@example.com", "three@example.com"])
        // An explicit cursor beyond the ack wins.
        let later = try await watch(h, after: followed[1].sequence, count: 1)
        #expect(later.map(\.recipientEmail) == ["three@example.com"])

        // The cursor never moves back, and never past what exists.
        let back: AckNotificationsResponse = try await h.client.unary(
            Sharewire_V1.NotificationService.Method.AckNotifications.descriptor,
            AckNotificationsRequest(throughSequence: 0), metadata: Harness.service())
        #expect(back.acknowledgedSequence == followed[0].sequence)
        let ahead = await h.failure(
            Sharewire_V1.NotificationService.Method.AckNotifications.descriptor,
            AckNotificationsRequest(throughSequence: followed[2].sequence + 1),
            metadata: Harness.service(), responseType: AckNotificationsResponse.self)
        #expect(ahead?.code == .outOfRange)
        #expect(ahead?.reason == "SEQUENCE_NOT_REACHED")

        // Named consumers: each has its own cursor; "" is "default".
        func ackFor(_ through: UInt64, _ consumer: String) async throws -> UInt64 {
            let r: AckNotificationsResponse = try await h.client.unary(
                Sharewire_V1.NotificationService.Method.AckNotifications.descriptor,
                AckNotificationsRequest(throughSequence: through, consumer: consumer),
                metadata: Harness.service())
            return r.acknowledgedSequence
        }
        #expect(try await ackFor(0, "default") == followed[0].sequence)  // the unnamed cursor is "default"'s
        #expect(
            try await watch(h, consumer: "mailer", count: 3).map(\.recipientEmail)
                == ["one@example.com", "two@example.com", "three@example.com"])
        #expect(try await ackFor(followed[1].sequence, "mailer") == followed[1].sequence)
        #expect(try await watch(h, consumer: "mailer", count: 1).map(\.recipientEmail) == ["three@example.com"])
        #expect(try await ackFor(0, "") == followed[0].sequence)  // untouched by the mailer's ack
        #expect(try await ackFor(0, "analytics") == 0)
        for bad in ["no spaces", String(repeating: "m", count: 65), "mäiler"] {
            let refused = await h.failure(
                Sharewire_V1.NotificationService.Method.AckNotifications.descriptor,
                AckNotificationsRequest(throughSequence: 0, consumer: bad),
                metadata: Harness.service(), responseType: AckNotificationsResponse.self)
            #expect(refused?.code == .invalidArgument)
            #expect(refused?.details.first?.field == "consumer")
        }
        await h.stop()
    }

    @Test(arguments: ServiceStore.allCases) func shutdownEndsOpenStreams(store: ServiceStore) async throws {
        let h = try await Harness.start(store: store)
        let stream: ServerStream<WatchNotificationsResponse> = try await h.client.serverStream(
            Sharewire_V1.NotificationService.Method.WatchNotifications.descriptor, WatchNotificationsRequest(),
            metadata: Harness.service(),
            timeout: .seconds(30))
        let clock = ContinuousClock()
        let end = clock.now + .seconds(10)
        while h.backend.bell.waiting == 0, clock.now < end { try await Task.sleep(for: .milliseconds(2)) }
        h.services.beginShutdown()
        var received = 0
        for try await _ in stream { received += 1 }  // ends OK
        #expect(received == 0)
        await h.stop()
    }
}
