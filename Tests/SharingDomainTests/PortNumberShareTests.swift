import Testing

@testable import SharingDomain

/// `PORTS` by port number: one request, resolved on each device separately.
@Suite struct PortNumberShareTests {
    @Test func oneBulkShareGrantsThePortOnEveryDevice() throws {
        var s = ShareTests.Setup()
        let c = s.w.people(s.a, 1, prefix: "c")[0]
        let applied = try s.w.run(
            .share(
                devices: [s.d1.id, s.d2.id], emails: [s.b.email, c.email],
                access: .portNumbers([22], scripting: true), notify: true), as: s.a)
        #expect(applied.outcome == .count(created: 4, updated: 0, removed: 0))
        for d in [s.d1, s.d2] {
            for u in [s.b.id, c.id] {
                #expect(s.w.state.check(user: u, device: d.id, port: 22))
                #expect(!s.w.state.check(user: u, device: d.id, port: 80))
                #expect(s.w.state.checkScripting(user: u, device: d.id))
            }
        }
        // Stored as each device's own service, not a shared id.
        let ssh1 = s.d1.services.first { $0.port == 22 }!.id
        let ssh2 = s.d2.services.first { $0.port == 22 }!.id
        #expect(ssh1 != ssh2)
        #expect(s.w.state.shares[ShareKey(device: s.d1.id, user: s.b.id)]?.access == .ports([ssh1], scripting: true))
        #expect(s.w.state.shares[ShareKey(device: s.d2.id, user: s.b.id)]?.access == .ports([ssh2], scripting: true))
        #expect(applied.changes.events[0].detail.contains("ports=22"))
        #expect(applied.changes.notifications[0].body.contains("port 22; scripts allowed"))
    }

    @Test func aPortResolvesToEveryServiceOnIt() throws {
        var w = World()
        let a = w.account("a@example.com")
        let b = w.people(a, 1)[0]
        let applied = try! w.run(
            .registerDevice(
                name: "dns",
                services: [
                    ServiceSpec(name: "dns", port: 53, protocol: "udp"),
                    ServiceSpec(name: "dns-tcp", port: 53, protocol: "tcp"),
                    ServiceSpec(name: "web", port: 80, protocol: "tcp"),
                ]), as: a)
        guard case let .device(d) = applied.outcome else {
            Issue.record("no device")
            return
        }
        try w.run(.share(devices: [d.id], emails: [b.email], access: .portNumbers([53]), notify: false), as: a)
        let access = try #require(w.state.shares[ShareKey(device: d.id, user: b.id)]?.access)
        #expect(access.services == Set(d.services.filter { $0.port == 53 }.map(\.id)))
        #expect(w.state.check(user: b.id, device: d.id, port: 53))
        #expect(!w.state.check(user: b.id, device: d.id, port: 80))
    }

    @Test func idsAndPortsCombine() throws {
        var s = ShareTests.Setup()
        let web = s.d1.services.first { $0.port == 80 }!.id
        try s.w.run(
            .share(
                devices: [s.d1.id], emails: [s.b.email],
                access: .portNumbers([22], services: [web]), notify: false), as: s.a)
        #expect(s.w.state.check(user: s.b.id, device: s.d1.id, port: 22))
        #expect(s.w.state.check(user: s.b.id, device: s.d1.id, port: 80))
    }

    @Test func aPortMissingOnOneDeviceFailsTheWholeCall() throws {
        var s = ShareTests.Setup()
        let d3 = s.w.device(s.a, "three", ports: [22])
        let before = s.w.state
        expectFailure(.serviceNotOnDevice, subject: "80", field: .ports) { () throws(SharingError) in
            try s.w.run(
                .share(
                    devices: [s.d1.id, d3.id, s.d2.id], emails: [s.b.email],
                    access: .portNumbers([22, 80]), notify: true), as: s.a)
        }
        #expect(s.w.state.revision == before.revision)
        #expect(s.w.state.shareCount == 0)
        // The message names the device.
        do {
            try s.w.run(
                .share(devices: [d3.id], emails: [s.b.email], access: .portNumbers([443]), notify: true), as: s.a)
            Issue.record("expected a failure")
        } catch {
            #expect(error.message.contains(d3.id.external))
        }
    }

    @Test func updateByPortNumber() throws {
        var s = ShareTests.Setup()
        try s.w.run(.share(devices: [s.d1.id], emails: [s.b.email], access: .all(), notify: false), as: s.a)
        let applied = try s.w.run(
            .updateShare(
                device: s.d1.id, email: s.b.email, access: .portNumbers([80]),
                notify: true), as: s.a)
        #expect(applied.outcome == .count(created: 0, updated: 1, removed: 0))
        #expect(!s.w.state.check(user: s.b.id, device: s.d1.id, port: 22))
        #expect(s.w.state.check(user: s.b.id, device: s.d1.id, port: 80))
        #expect(applied.changes.notifications[0].body.contains("port 80"))
        expectFailure(.serviceNotOnDevice, subject: "8080", field: .ports) { () throws(SharingError) in
            try s.w.run(
                .updateShare(device: s.d1.id, email: s.b.email, access: .portNumbers([8080]), notify: true), as: s.a)
        }
    }

    @Test func portsAndIdsShareTheLimitAtMaxAndMaxPlusOne() throws {
        var w = World()
        let a = w.account("a@example.com")
        let b = w.people(a, 1)[0]
        let d = w.device(a, "big", ports: (1...64).map { UInt16($0) })
        let ids = Set(d.services.prefix(32).map(\.id))
        let ports = Set((33...64).map { UInt16($0) })
        try w.run(
            .share(devices: [d.id], emails: [b.email], access: .portNumbers(ports, services: ids), notify: false), as: a
        )
        #expect(w.state.check(user: b.id, device: d.id, port: 1) && w.state.check(user: b.id, device: d.id, port: 64))
        expectFailure(.limitExceeded, subject: "65", field: .ports) { () throws(SharingError) in
            try w.run(
                .share(
                    devices: [d.id], emails: [b.email],
                    access: .portNumbers(ports.union([65]), services: ids), notify: false), as: a)
        }
    }

    @Test func japaneseNotificationListsThePorts() throws {
        var w = World()
        let a = w.account("a@example.com")
        let j = w.account("j@example.jp", .ja)
        w.contact(a, "j@example.jp", language: .ja)
        let d = w.device(a, "pi")
        let applied = try w.run(
            .share(
                devices: [d.id], emails: ["j@example.jp"], access: .portNumbers([22, 80]),
                notify: true), as: a)
        #expect(applied.changes.notifications.map(\.recipient) == [j])
        #expect(applied.changes.notifications[0].body.contains("ポート22、80"))
    }
}
