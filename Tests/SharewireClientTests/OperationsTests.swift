import Foundation
import SharewireClient
import Testing

/// Every operation of the server through the typed client, against a real
/// `sharewired` on loopback.
@Suite("Client operations end to end")
struct OperationsTests {
    @Test("accounts, contacts, devices, sharing, checks, events: every operation")
    func everyOperation() async throws {
        try await LiveServer.with { server in
            let admin = server.serviceClient()
            defer { admin.close() }
            #expect(try await admin.health() == .serving)

            let (alice, aliceClient) = try await server.account("alice@example.com")
            let (bob, bobClient) = try await server.account("Bob@Example.com", language: .ja)
            defer {
                aliceClient.close()
                bobClient.close()
            }
            #expect(bob.email == "bob@example.com")
            #expect(bob.language == .ja)
            #expect(try await aliceClient.whoami() == alice)
            #expect(try await admin.acting(as: "bob@example.com").whoami().id == bob.id)

            // Contacts: create, update, invite, list with pagination.
            let bobContact = try await aliceClient.createContact(
                email: "bob@example.com", firstName: "Bob",
                company: "Acme")
            #expect(bobContact.hasAccount)
            #expect(bobContact.name == "Bob")
            let carol = try await aliceClient.createContact(email: "carol@example.com", language: .ja)
            #expect(!carol.hasAccount)
            let updated = try await aliceClient.updateContact(email: "bob@example.com", lastName: "Smith", company: "")
            #expect(updated.name == "Bob Smith")
            #expect(updated.company == nil)
            let invited = try await aliceClient.inviteContact(email: "carol@example.com")
            #expect(invited.invitedAt != nil)
            let firstPage = try await aliceClient.listContacts(pageSize: 1)
            #expect(firstPage.items.map(\.email) == ["bob@example.com"])
            #expect(!firstPage.isLast)
            let all = try await aliceClient.contacts(pageSize: 1).collect()
            #expect(all.map(\.email) == ["bob@example.com", "carol@example.com"])

            // Devices: register, rename, add and remove a service, get, list.
            let pi = try await aliceClient.registerDevice(
                name: "pi",
                services: [
                    NewService(name: "ssh", port: 22, protocol: "ssh"),
                    NewService(name: "web", port: 80, protocol: "http"),
                ])
            #expect(pi.isOwned)
            #expect(pi.services.map(\.port) == [22, 80])
            let nas = try await aliceClient.registerDevice(name: "nas")
            #expect(try await aliceClient.renameDevice(nas.id, to: "big nas").name == "big nas")
            let smb = try await aliceClient.addService(NewService(name: "smb", port: 445), to: nas.id)
            #expect(smb.port == 445)
            let vnc = try await aliceClient.addService(NewService(name: "vnc", port: 5900), to: nas.id)
            let removedAt = try await aliceClient.removeService(vnc.id, from: nas.id)
            #expect(removedAt == aliceClient.revision)
            #expect(try await aliceClient.device(nas.id).services == [smb])
            // A service the device does not have (removed, or another device's): SERVICE_NOT_FOUND.
            for missing in [vnc.id, pi.services[0].id] {
                do throws(SharewireError) {
                    try await aliceClient.removeService(missing, from: nas.id)
                    Issue.record("expected SERVICE_NOT_FOUND for \(missing)")
                } catch {
                    #expect(error.code == .notFound)
                    #expect(error.reason == .serviceNotFound)
                    #expect(error.detail?.subject == missing)
                }
            }
            #expect(try await aliceClient.devices(pageSize: 1).collect().map(\.id) == [pi.id, nas.id])

            // Sharing: ports (by service id) with scripting on one device, all on both.
            let ssh = try #require(pi.service(onPort: 22))
            let shared = try await aliceClient.share(
                devices: [pi.id], with: ["bob@example.com"],
                access: .services([ssh.id]), scripting: true)
            #expect(shared.created == 1)
            #expect(shared.revision == aliceClient.revision)
            #expect(try await aliceClient.check(user: bob.id, device: pi.id, port: 22))
            #expect(try await !aliceClient.check(user: bob.id, device: pi.id, port: 80))
            #expect(try await bobClient.check(device: pi.id, port: 22))
            #expect(try await bobClient.checkScripting(device: pi.id))
            #expect(
                try await aliceClient.checkBatch([
                    .port(22, user: bob.id, device: pi.id), .port(80, user: bob.id, device: pi.id),
                    .scripting(user: bob.id, device: pi.id), .port(445, user: bob.id, device: nas.id),
                ]) == [true, false, true, false])

            let bobsView = try await bobClient.device(pi.id)
            // A grant by service id reads back with the ports of the granted services.
            #expect(
                bobsView.role
                    == .shared(
                        by: "alice@example.com",
                        access: ShareAccess(mode: .ports, serviceIDs: [ssh.id], ports: [22]),
                        scripting: true))
            #expect(bobsView.sharedBy == "alice@example.com" && bobsView.shareCount == nil)
            #expect(try await aliceClient.device(pi.id).shareCount == 1)
            let shares = try await aliceClient.shares(of: pi.id).collect()
            #expect(shares.map(\.email) == ["bob@example.com"])
            #expect(shares.first?.access.serviceIDs == [ssh.id])
            #expect(shares.first?.access.ports == [22])

            let bulk = try await aliceClient.share(devices: [pi.id, nas.id], with: ["bob@example.com"], access: .all)
            #expect(bulk.created == 1 && bulk.updated == 1)
            #expect(try await aliceClient.check(user: bob.id, device: nas.id, port: 445))
            #expect(
                try await aliceClient.commonSharees(devices: [pi.id, nas.id])
                    .map(\.email) == ["bob@example.com"])
            let same = try await aliceClient.updateShare(device: pi.id, email: "bob@example.com", access: .all)
            #expect(!same.changed)
            let narrowed = try await aliceClient.updateShare(
                device: pi.id, email: "bob@example.com",
                access: .scriptsOnly, scripting: true)
            #expect(narrowed.changed)
            #expect(try await !aliceClient.check(user: bob.id, device: pi.id, port: 22))

            // Events: filtered and paginated.
            let created = try await aliceClient.events(EventFilter(kind: .shareCreated), pageSize: 1).collect()
            #expect(created.count == 2)
            #expect(created.allSatisfy { $0.kind == .shareCreated && $0.userIDs.contains(bob.id) })
            let aboutNas = try await aliceClient.events(EventFilter(deviceID: nas.id)).collect()
            #expect(aboutNas.map(\.kind).contains(.serviceRemoved))

            // Remove, leave, transfer, delete contact.
            let removed = try await aliceClient.removeShares(devices: [pi.id], from: ["bob@example.com"])
            #expect(removed.count == 1)
            #expect(try await !aliceClient.checkScripting(user: bob.id, device: pi.id))
            let left = try await bobClient.leave(devices: [nas.id])
            #expect(left.count == 1)
            #expect(try await !bobClient.check(device: nas.id, port: 445))
            let moved = try await aliceClient.transfer(devices: [nas.id], to: "bob@example.com")
            #expect(moved.count == 1)
            #expect(try await bobClient.device(nas.id).isOwned)
            _ = try await aliceClient.share(devices: [pi.id], with: ["bob@example.com"], access: .all)
            let deleted = try await aliceClient.deleteContact(email: "bob@example.com")
            #expect(deleted.sharesRemoved == 1)
            #expect(try await aliceClient.contacts().collect().map(\.email) == ["carol@example.com"])
        }
    }

    @Test("a bulk share by port number grants that port on every device")
    func bulkShareByPort() async throws {
        try await LiveServer.with { server in
            let (_, alice) = try await server.account("alice@example.com")
            let (bob, _) = try await server.account("bob@example.com")
            let (carol, _) = try await server.account("carol@example.com")
            defer { alice.close() }
            for email in [bob.email, carol.email] { _ = try await alice.createContact(email: email) }
            var devices: [Device] = []
            for name in ["pi", "nas", "router"] {
                devices.append(
                    try await alice.registerDevice(
                        name: name,
                        services: [
                            NewService(name: "ssh", port: 22, protocol: "ssh"),
                            NewService(name: "web", port: 80, protocol: "http"),
                        ]))
            }
            let shared = try await alice.share(
                devices: devices.map(\.id), with: [bob.email, carol.email],
                access: .ports([22]))
            #expect(shared.created == 6)
            let checks = devices.flatMap { device in
                [bob, carol].flatMap { user in
                    [
                        CheckQuery.port(22, user: user.id, device: device.id),
                        .port(80, user: user.id, device: device.id),
                    ]
                }
            }
            #expect(try await alice.checkBatch(checks) == Array(repeating: [true, false], count: 6).flatMap { $0 })
            let share = try #require(try await alice.listShares(device: devices[1].id).items.first)
            #expect(share.access.mode == .ports && share.access.ports == [22])
            #expect(share.access.serviceIDs == [devices[1].service(onPort: 22)!.id])
            #expect(share.access.description == "ports 22 (\(share.access.serviceIDs[0]))")

            // A port that some device does not serve fails the whole call, naming it.
            let lonely = try await alice.registerDevice(name: "lonely", services: [NewService(name: "ssh", port: 22)])
            do throws(SharewireError) {
                try await alice.share(devices: [devices[0].id, lonely.id], with: [bob.email], access: .ports([80]))
                Issue.record("expected SERVICE_NOT_ON_DEVICE")
            } catch {
                #expect(error.reason == .serviceNotOnDevice)
                #expect(error.detail?.field == "access.ports")
                #expect(error.detail?.subject == "80")
            }
            #expect(try await !alice.check(user: bob.id, device: devices[0].id, port: 80))
        }
    }

    @Test("values print well and encode to JSON")
    func valuesPrintAndEncode() async throws {
        try await LiveServer.with { server in
            let (_, alice) = try await server.account("alice@example.com")
            defer { alice.close() }
            let device = try await alice.registerDevice(name: "pi", services: [NewService(name: "ssh", port: 22)])
            #expect(device.description.contains("\"pi\" (owned, 0 shares) ssh:22/tcp svc_"))
            let encoder = JSONEncoder()
            encoder.outputFormatting = .sortedKeys
            encoder.dateEncodingStrategy = .iso8601
            let json = String(decoding: try encoder.encode(device), as: UTF8.self)
            #expect(json.contains("\"role\":{\"owned\":{\"shareCount\":0}}"))
            let decoder = JSONDecoder()
            decoder.dateDecodingStrategy = .iso8601
            let back = try decoder.decode(Device.self, from: Data(json.utf8))
            #expect(back.id == device.id && back.services == device.services && back.role == device.role)
            let page = try await alice.listDevices()
            let pageJSON = String(decoding: try encoder.encode(page), as: UTF8.self)
            #expect(pageJSON.contains("\"revision\":\(page.revision.rawValue)"))
        }
    }
}
