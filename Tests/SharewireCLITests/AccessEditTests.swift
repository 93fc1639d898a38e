import Foundation
import SharewireCLICore
import SharewireClient
import Testing

/// `access edit`'s relative changes and `share`'s before → after lines, without a server.
@Suite("Access edits")
struct AccessEditTests {
    static let services = [
        Service(id: "svc_1", name: "ssh", port: 22, protocol: "tcp"),
        Service(id: "svc_2", name: "http", port: 80, protocol: "tcp"),
        Service(id: "svc_3", name: "alt-ssh", port: 22, protocol: "tcp"),
    ]

    static func share(_ access: ShareAccess, scripting: Bool) -> Share {
        Share(
            deviceID: "dev_1", userID: "acc_2", email: "bob@example.com", access: access, scripting: scripting,
            createdAt: Date(timeIntervalSince1970: 0), updatedAt: Date(timeIntervalSince1970: 0))
    }

    /// Ports 22 (svc_1 only, not svc_3) and 80, with scripting.
    static let current = share(
        ShareAccess(mode: .ports, serviceIDs: ["svc_1", "svc_2"], ports: [22, 80]), scripting: true)

    static func edit(
        all: Bool = false, ports: String? = nil, services: String? = nil, add: String? = nil,
        remove: String? = nil, scripting: Bool? = nil
    ) throws(CLIError) -> AccessEdit {
        try AccessEdit.parse(
            all: all, ports: ports, services: services, addPorts: add, removePorts: remove,
            scripting: scripting)
    }

    @Test func scriptingAloneKeepsThePorts() throws {
        let (access, scripting) = try Self.edit(scripting: false).applied(to: Self.current, services: Self.services)
        #expect(access.mode == .ports && access.serviceIDs == ["svc_1", "svc_2"] && access.ports.isEmpty)
        #expect(scripting == false)
    }

    @Test func removingAPortKeepsTheOtherServicesExactly() throws {
        let (access, scripting) = try Self.edit(remove: "80").applied(to: Self.current, services: Self.services)
        // svc_3 (also on 22) was never granted and is not granted now.
        #expect(access == ShareAccess(mode: .ports, serviceIDs: ["svc_1"], ports: []))
        #expect(scripting)
    }

    @Test func addingPortsAddsOnlyNewOnes() throws {
        let (access, _) = try Self.edit(add: "22,443").applied(to: Self.current, services: Self.services)
        #expect(access == ShareAccess(mode: .ports, serviceIDs: ["svc_1", "svc_2"], ports: [443]))
    }

    @Test func aReplacementKeepsScriptingUnlessToldOtherwise() throws {
        var (access, scripting) = try Self.edit(ports: "22").applied(to: Self.current, services: Self.services)
        #expect(access == .ports([22]) && scripting)
        (access, scripting) = try Self.edit(all: true, scripting: false).applied(
            to: Self.current, services: Self.services)
        #expect(access == .all && !scripting)
    }

    @Test func refusals() {
        #expect(throws: CLIError.self) { try Self.edit() }  // nothing asked
        #expect(throws: CLIError.self) { try Self.edit(ports: "22", add: "80") }  // replace and change mixed
        #expect(throws: CLIError.self) { try Self.edit(add: "ssh") }
        // A port not granted, ports off the whole device, nothing left.
        let notGranted = #expect(throws: CLIError.self) {
            try Self.edit(remove: "443").applied(to: Self.current, services: Self.services)
        }
        #expect(notGranted?.message == "bob@example.com has no access to port 443 (has: ports 22,80, scripting)")
        let whole = Self.share(.all, scripting: false)
        #expect(throws: CLIError.self) { try Self.edit(remove: "22").applied(to: whole, services: Self.services) }
        let empty = #expect(throws: CLIError.self) {
            try Self.edit(remove: "22,80", scripting: false).applied(to: Self.current, services: Self.services)
        }
        #expect(empty?.hint?.contains("sharewire unshare dev_1 --from bob@example.com") == true)
        // Removing every port but keeping scripting is scripts-only access, which is valid.
        #expect(
            (try? Self.edit(remove: "22,80").applied(to: Self.current, services: Self.services))?.access
                == ShareAccess(mode: .ports))
    }

    @Test func accessTextNamesServicesByTheirPorts() {
        #expect(
            Render.accessText(
                ShareAccess(mode: .ports, serviceIDs: ["svc_2"], ports: [22]), scripting: true,
                services: Self.services) == "ports 22,80, scripting")
    }

    @Test func shareReportShowsWhatEachPairHadBefore() {
        let report = ShareReport(
            devices: ["dev_1", "dev_2"], names: ["dev_1": "pi"],
            emails: ["bob@example.com", "carol@example.jp"],
            existing: ["dev_1": [Self.current], "dev_2": []], access: .ports([22]), scripting: false)
        #expect(
            report.text() == """
                bob@example.com on pi (dev_1): ports 22,80, scripting → ports 22
                carol@example.jp on pi (dev_1): ports 22 (new)
                bob@example.com on dev_2: ports 22 (new)
                carol@example.jp on dev_2: ports 22 (new)

                """)
        let many = ShareReport(
            devices: (1...30).map { "dev_\($0)" }, names: [:], emails: ["a@x.com", "b@x.com"],
            existing: [:], access: .all, scripting: false)
        let lines = many.text().split(separator: "\n")
        #expect(lines.count == ShareReport.maxLines + 1 && lines.last == "… and 10 more pairs")
    }
}
