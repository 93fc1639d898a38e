import Testing

@testable import SharingDomain

@Suite struct DeviceTests {
    @Test func registerRenameAddRemoveService() throws {
        var w = World()
        let a = w.account("a@example.com")
        let d = w.device(a, "pi", ports: [22])
        #expect(d.services.map(\.port) == [22])
        try w.run(.renameDevice(d.id, name: "garage"), as: a)
        let applied = try w.run(.addService(d.id, ServiceSpec(name: "web", port: 8080, protocol: "http")), as: a)
        guard case let .service(_, web) = applied.outcome else {
            Issue.record("no service")
            return
        }
        var view = try w.state.device(a, d.id)
        #expect(view.device.name == "garage")
        #expect(view.device.services.map(\.port) == [22, 8080])
        #expect(view.role == .owner(shareCount: 0))
        try w.run(.removeService(d.id, web.id), as: a)
        view = try w.state.device(a, d.id)
        #expect(view.device.services.map(\.port) == [22])
        // Removed, another device's, or never existed: SERVICE_NOT_FOUND alike.
        expectFailure(.serviceNotFound, subject: web.id.external, field: .serviceId) { () throws(SharingError) in
            try w.run(.removeService(d.id, web.id), as: a)
        }
        let other = w.device(a, "nas", ports: [80])
        expectFailure(.serviceNotFound, subject: other.services[0].id.external, field: .serviceId) {
            () throws(SharingError) in
            try w.run(.removeService(d.id, other.services[0].id), as: a)
        }
    }

    @Test func validation() {
        var w = World()
        let a = w.account("a@example.com")
        expectFailure(.invalidArgument, field: .name) { () throws(SharingError) in
            try w.run(.registerDevice(name: "", services: []), as: a)
        }
        expectFailure(.invalidPort) { () throws(SharingError) in
            try w.run(.registerDevice(name: "x", services: [ServiceSpec(name: "s", port: 0, protocol: "tcp")]), as: a)
        }
        expectFailure(.stringTooLong, field: .servicesProtocol) { () throws(SharingError) in
            try w.run(
                .registerDevice(
                    name: "x", services: [ServiceSpec(name: "s", port: 1, protocol: String(repeating: "p", count: 33))]),
                as: a)
        }
        expectFailure(.invalidArgument, field: .name) { () throws(SharingError) in
            try w.run(.registerDevice(name: "bad\u{0}name", services: []), as: a)
        }
        expectFailure(.invalidArgument, field: .servicesProtocol) { () throws(SharingError) in
            try w.run(.registerDevice(name: "x", services: [ServiceSpec(name: "s", port: 1, protocol: "")]), as: a)
        }
        expectFailure(.invalidArgument, field: .servicesName) { () throws(SharingError) in
            try w.run(.registerDevice(name: "x", services: [ServiceSpec(name: "", port: 1, protocol: "tcp")]), as: a)
        }
    }

    @Test func protocolLengthAtMaxAndMaxPlusOne() throws {
        var w = World()
        let a = w.account("a@example.com")
        try w.run(
            .registerDevice(
                name: "x", services: [ServiceSpec(name: "s", port: 1, protocol: String(repeating: "p", count: 32))]),
            as: a)
        expectFailure(.stringTooLong, field: .servicesProtocol) { () throws(SharingError) in
            try w.run(
                .registerDevice(
                    name: "x", services: [ServiceSpec(name: "s", port: 1, protocol: String(repeating: "p", count: 33))]),
                as: a)
        }
    }

    @Test func nameLengthAtMaxAndMaxPlusOne() throws {
        var w = World()
        let a = w.account("a@example.com")
        try w.run(.registerDevice(name: String(repeating: "n", count: 128), services: []), as: a)
        expectFailure(.stringTooLong, field: .name) { () throws(SharingError) in
            try w.run(.registerDevice(name: String(repeating: "n", count: 129), services: []), as: a)
        }
    }

    @Test func servicesPerDeviceAtMaxAndMaxPlusOne() throws {
        var w = World()
        let a = w.account("a@example.com")
        let specs = (1...64).map { ServiceSpec(name: "s\($0)", port: UInt16($0), protocol: "tcp") }
        let applied = try w.run(.registerDevice(name: "full", services: specs), as: a)
        guard case let .device(d) = applied.outcome else { return }
        expectFailure(.limitExceeded, field: .services) { () throws(SharingError) in
            try w.run(.addService(d.id, ServiceSpec(name: "s65", port: 65, protocol: "tcp")), as: a)
        }
        expectFailure(.limitExceeded, field: .services) { () throws(SharingError) in
            try w.run(
                .registerDevice(name: "over", services: specs + [ServiceSpec(name: "x", port: 99, protocol: "tcp")]),
                as: a)
        }
    }

    @Test func devicesPerAccountAtMaxAndMaxPlusOne() {
        var limits = Limits()
        limits.maxDevicesPerAccount = 2
        var w = World(limits: limits)
        let a = w.account("a@example.com")
        _ = w.device(a)
        _ = w.device(a)
        expectFailure(.limitExceeded, field: .devices) { () throws(SharingError) in
            try w.run(.registerDevice(name: "third", services: []), as: a)
        }
    }

    @Test func recipientsCannotRenameOrChangeServices() throws {
        var w = World()
        let a = w.account("a@example.com")
        let b = w.people(a, 1)[0]
        let d = w.device(a)
        try w.run(.share(devices: [d.id], emails: [b.email], access: .all(), notify: false), as: a)
        expectFailure(.notDeviceOwner, subject: d.id.external) { () throws(SharingError) in
            try w.run(.renameDevice(d.id, name: "mine now"), as: b.id)
        }
        expectFailure(.notDeviceOwner) { () throws(SharingError) in
            try w.run(.addService(d.id, ServiceSpec(name: "x", port: 1, protocol: "tcp")), as: b.id)
        }
        expectFailure(.notDeviceOwner) { () throws(SharingError) in
            try w.run(.removeService(d.id, d.services[0].id), as: b.id)
        }
    }

    @Test func listShowsOwnedAndReceivedWithSharerAndCounts() throws {
        var w = World()
        let a = w.account("a@example.com")
        let people = w.people(a, 2)
        let b = people[0]
        let d1 = w.device(a, "one")
        let d2 = w.device(a, "two")
        let own = w.device(b.id, "bs")
        try w.run(.share(devices: [d1.id], emails: people.map(\.email), access: .all(), notify: false), as: a)
        let ownerList = try w.state.listDevices(a, cursor: nil, pageSize: 10)
        #expect(ownerList.items.map(\.role) == [.owner(shareCount: 2), .owner(shareCount: 0)])
        let bList = try w.state.listDevices(b.id, cursor: nil, pageSize: 10)
        #expect(bList.items.map(\.device.id) == [d1.id, own.id])
        #expect(bList.items[0].role == .recipient(sharedBy: try Email("a@example.com"), access: .all()))
        #expect(bList.items[1].role == .owner(shareCount: 0))
        // Pages of one.
        let p1 = try w.state.listDevices(a, cursor: nil, pageSize: 1)
        let p2 = try w.state.listDevices(a, cursor: p1.nextCursor, pageSize: 1)
        #expect(p1.items.map(\.device.id) == [d1.id] && p2.items.map(\.device.id) == [d2.id] && p2.nextCursor == nil)
    }

    /// A recipient sees only what was shared: ALL every service, PORTS the
    /// granted ones, scripts-only none; in Get and List alike.
    @Test func recipientsSeeOnlyTheServicesTheirShareReaches() throws {
        var w = World()
        let a = w.account("a@example.com")
        let people = w.people(a, 3)
        let d = w.device(a, ports: [22, 445, 80])
        let (all, ports, scripts) = (people[0], people[1], people[2])
        try w.run(.share(devices: [d.id], emails: [all.email], access: .all(), notify: false), as: a)
        try w.run(
            .share(devices: [d.id], emails: [ports.email], access: .ports([d.services[0].id]), notify: false), as: a)
        try w.run(
            .share(devices: [d.id], emails: [scripts.email], access: .ports([], scripting: true), notify: false), as: a)
        func seen(_ user: AccountID) throws -> (get: [UInt16], list: [UInt16]) {
            let one = try w.state.device(user, d.id).device.services.map(\.port)
            let listed = try w.state.listDevices(user, cursor: nil, pageSize: 0).items.first { $0.device.id == d.id }
            return (one, listed?.device.services.map(\.port) ?? [])
        }
        #expect(try seen(a) == ([22, 445, 80], [22, 445, 80]))  // the owner: everything
        #expect(try seen(all.id) == ([22, 445, 80], [22, 445, 80]))  // ALL: everything
        #expect(try seen(ports.id) == ([22], [22]))  // PORTS 22: not smb:445
        #expect(try seen(scripts.id) == ([], []))  // scripts only: no service
        // ALL follows a new service; PORTS does not.
        try w.run(.addService(d.id, ServiceSpec(name: "vnc", port: 5900, protocol: "tcp")), as: a)
        #expect(try seen(all.id).get == [22, 445, 80, 5900] && seen(ports.id).get == [22])
        // The view matches what Check answers, port by port.
        for user in [all.id, ports.id, scripts.id] {
            let visible = Set(try w.state.device(user, d.id).device.services.map(\.port))
            for port: UInt16 in [22, 445, 80, 5900] {
                #expect(visible.contains(port) == w.state.check(user: user, device: d.id, port: port))
            }
        }
    }
}
