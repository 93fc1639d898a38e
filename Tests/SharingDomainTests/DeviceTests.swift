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
        guard case let .service(_, web) = applied.outcome else { Issue.record("no service"); return }
        var view = try w.state.device(a, d.id)
        #expect(view.device.name == "garage")
        #expect(view.device.services.map(\.port) == [22, 8080])
        #expect(view.role == .owner(shareCount: 0))
        try w.run(.removeService(d.id, web.id), as: a)
        view = try w.state.device(a, d.id)
        #expect(view.device.services.map(\.port) == [22])
        // Removed, another device's, or never existed: SERVICE_NOT_FOUND alike.
        expectFailure(.serviceNotFound, subject: web.id.external, field: "serviceId") { () throws(SharingError) in
            try w.run(.removeService(d.id, web.id), as: a)
        }
        let other = w.device(a, "nas", ports: [80])
        expectFailure(.serviceNotFound, subject: other.services[0].id.external, field: "serviceId") { () throws(SharingError) in
            try w.run(.removeService(d.id, other.services[0].id), as: a)
        }
    }

    @Test func validation() {
        var w = World()
        let a = w.account("a@example.com")
        expectFailure(.invalidArgument, field: "name") { () throws(SharingError) in
            try w.run(.registerDevice(name: "", services: []), as: a)
        }
        expectFailure(.invalidPort) { () throws(SharingError) in
            try w.run(.registerDevice(name: "x", services: [ServiceSpec(name: "s", port: 0, protocol: "tcp")]), as: a)
        }
        expectFailure(.stringTooLong, field: "services.protocol") { () throws(SharingError) in
            try w.run(.registerDevice(name: "x", services: [ServiceSpec(name: "s", port: 1, protocol: String(repeating: "p", count: 33))]), as: a)
        }
        expectFailure(.invalidArgument, field: "name") { () throws(SharingError) in
            try w.run(.registerDevice(name: "bad\u{0}name", services: []), as: a)
        }
        expectFailure(.invalidArgument, field: "services.protocol") { () throws(SharingError) in
            try w.run(.registerDevice(name: "x", services: [ServiceSpec(name: "s", port: 1, protocol: "")]), as: a)
        }
        expectFailure(.invalidArgument, field: "services.name") { () throws(SharingError) in
            try w.run(.registerDevice(name: "x", services: [ServiceSpec(name: "", port: 1, protocol: "tcp")]), as: a)
        }
    }

    @Test func protocolLengthAtMaxAndMaxPlusOne() throws {
        var w = World()
        let a = w.account("a@example.com")
        try w.run(.registerDevice(name: "x", services: [ServiceSpec(name: "s", port: 1, protocol: String(repeating: "p", count: 32))]), as: a)
        expectFailure(.stringTooLong, field: "services.protocol") { () throws(SharingError) in
            try w.run(.registerDevice(name: "x", services: [ServiceSpec(name: "s", port: 1, protocol: String(repeating: "p", count: 33))]), as: a)
        }
    }

    @Test func nameLengthAtMaxAndMaxPlusOne() throws {
        var w = World()
        let a = w.account("a@example.com")
        try w.run(.registerDevice(name: String(repeating: "n", count: 128), services: []), as: a)
        expectFailure(.stringTooLong, field: "name") { () throws(SharingError) in
            try w.run(.registerDevice(name: String(repeating: "n", count: 129), services: []), as: a)
        }
    }

    @Test func servicesPerDeviceAtMaxAndMaxPlusOne() throws {
        var w = World()
        let a = w.account("a@example.com")
        let specs = (1...64).map { ServiceSpec(name: "s\($0)", port: UInt16($0), protocol: "tcp") }
        let applied = try w.run(.registerDevice(name: "full", services: specs), as: a)
        guard case let .device(d) = applied.outcome else { return }
        expectFailure(.limitExceeded, field: "services") { () throws(SharingError) in
            try w.run(.addService(d.id, ServiceSpec(name: "s65", port: 65, protocol: "tcp")), as: a)
        }
        expectFailure(.limitExceeded, field: "services") { () throws(SharingError) in
            try w.run(.registerDevice(name: "over", services: specs + [ServiceSpec(name: "x", port: 99, protocol: "tcp")]), as: a)
        }
    }

    @Test func devicesPerAccountAtMaxAndMaxPlusOne() {
        var limits = Limits()
        limits.maxDevicesPerAccount = 2
        var w = World(limits: limits)
        let a = w.account("a@example.com")
        _ = w.device(a)
        _ = w.device(a)
        expectFailure(.limitExceeded, field: "devices") { () throws(SharingError) in
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
}
