import Foundation
import SharewireMessages
import Testing

/// Round trips of every sharing-service message, and the wire details the
/// Swift mapping must preserve: oneof presence, open enums, packed bools.
@Suite struct SharingRoundTripTests {
    static func expectRoundTrip<M: ProtoMessage>(_ message: M, sourceLocation: SourceLocation = #_sourceLocation) throws
    {
        #expect(try roundTrip(message) == message, "\(M.self)", sourceLocation: sourceLocation)
    }

    @Test func everySample() throws {
        for sample in SharingSamples.all { try Self.expectRoundTrip(sample) }
    }

    /// Every message of the sharing schema has a Swift type and a sample.
    @Test func samplesCoverEveryMessage() throws {
        let files = ["accounts", "check", "common", "contacts", "devices", "events", "sharing"]
        var names: Set<String> = []
        for file in files {
            let url = Repository.protoRoot.appendingPathComponent("sharewire/v1/\(file).proto")
            for line in try String(contentsOf: url, encoding: .utf8).split(separator: "\n")
            where line.hasPrefix("message ") {
                names.insert(String(line.split(separator: " ")[1]))
            }
        }
        #expect(names.count == 81)
        let sampled = Set(SharingSamples.all.map { String(describing: type(of: $0)) })
        #expect(names.subtracting(sampled).isEmpty, "no sample for \(names.subtracting(sampled).sorted())")
    }

    @Test func defaultMessages() throws {
        try Self.expectRoundTrip(ShareRequest())
        try Self.expectRoundTrip(DeviceInfo())
        try Self.expectRoundTrip(ListDevicesResponse(devices: [DeviceInfo()]))
        #expect(CheckBatchResponse().serializedBytes().isEmpty)
        #expect(UpdateContactRequest().serializedBytes().isEmpty)
        // Singular message fields are always written, so an absent one and a
        // default one decode alike (both as the default value).
        #expect(ShareRequest().serializedBytes() == [0x1A, 0x00])
        #expect(try ShareRequest(bytes: []) == ShareRequest())
    }

    /// A present empty string and an absent field differ (single-field oneofs).
    @Test func updateContactPresence() throws {
        let clearing = SharingSamples.updateContactClearing
        let decoded = try roundTrip(clearing)
        #expect(decoded.firstName == "")
        #expect(decoded.lastName == nil)
        #expect(decoded.company == "サンプル合同会社")
        #expect(decoded.language == .unspecified)
        #expect(clearing.serializedBytes().contains(0x12))  // field 2, present though empty
        let untouched = UpdateContactRequest(email: "a@example.com")
        #expect(try roundTrip(untouched).firstName == nil)
    }

    @Test func checkItemPortPresence() throws {
        #expect(try roundTrip(CheckItem(userID: "acc_1", deviceID: "dev_1", port: 0)).port == 0)
        #expect(try roundTrip(CheckItem(userID: "acc_1", deviceID: "dev_1")).port == nil)
        #expect(try roundTrip(CheckItem(port: .max)).port == .max)
    }

    @Test func deviceRole() throws {
        let owned = DeviceInfo(id: "dev_1", role: .owned(OwnedDevice(shareCount: 0)))
        #expect(try roundTrip(owned).role == .owned(OwnedDevice(shareCount: 0)))
        #expect(try roundTrip(SharingSamples.sharedDevice).role == SharingSamples.sharedDevice.role)
        #expect(try roundTrip(DeviceInfo(id: "dev_1")).role == nil)
        // The last role on the wire wins, as for any oneof.
        let both = OwnedDevice(shareCount: 2).serializedBytes()
        let bytes = field(7, SharedDevice(sharedBy: "a@example.com").serializedBytes()) + field(6, both)
        #expect(try DeviceInfo(bytes: bytes).role == .owned(OwnedDevice(shareCount: 2)))
    }

    /// proto3 enums are open: unknown values survive decoding and re-encode unchanged.
    @Test func unknownEnumValuesAreKept() throws {
        for raw: Int32 in [3, 99, .max, -1, .min] {
            let bytes: [UInt8] = [0x08] + varint(UInt64(bitPattern: Int64(raw)))
            let access = try Access(bytes: bytes)
            #expect(access.mode == .unrecognized(raw))
            #expect(access.mode.rawValue == raw)
            #expect(access.serializedBytes() == bytes)
        }
        #expect(try Access(bytes: [0x08, 0x02]).mode == .ports)
        #expect(try AuditEvent(bytes: [0x28, 15]).kind == .unrecognized(15))
        #expect(
            try NotificationEntry(bytes: [0x30, 2, 0x38, 8])
                == NotificationEntry(language: .ja, template: .unrecognized(8)))
        #expect(LanguageCode(rawValue: 1) == .en)
        #expect(AccessMode.allCases == [.unspecified, .all, .ports])
    }

    @Test func repeatedFieldsAtTheirLimits() throws {
        // Limits are the server's to enforce; the codec carries any size.
        let share = ShareRequest(
            deviceIDs: (1...100).map { "dev_\($0)" }, emails: (1...100).map { "user\($0)@example.jp" },
            access: Access(mode: .ports, serviceIDs: (1...64).map { "svc_\($0)" }), notify: true)
        try Self.expectRoundTrip(share)
        let checks = CheckBatchRequest(
            checks: (0..<1000).map {
                CheckItem(userID: "acc_\($0 % 7 + 1)", deviceID: "dev_\($0 + 1)", port: $0 % 3 == 0 ? nil : UInt32($0))
            })
        try Self.expectRoundTrip(checks)
        let answers = CheckBatchResponse(allowed: (0..<1000).map { $0 % 3 == 0 }, revision: .max)
        try Self.expectRoundTrip(answers)
        #expect(answers.serializedBytes().count == 1 + 2 + 1000 + 1 + 10)  // packed: one byte per bool
    }

    @Test func unicodeInNestedRepeatedStrings() throws {
        let names = ["日本語", "ｶﾀｶﾅ", "𠮷野家", "👨‍👩‍👧‍👦", "e\u{301}", "\u{10FFFF}"]
        let response = ListDevicesResponse(
            devices: names.map { name in
                DeviceInfo(
                    id: "dev_1", name: name, services: [ServiceInfo(id: "svc_1", name: name, port: 1, protocol: "tcp")],
                    role: .shared(
                        SharedDevice(sharedBy: "a@example.com", access: Access(mode: .ports, serviceIDs: [name]))))
            })
        try Self.expectRoundTrip(response)
    }

    @Test func validateFindsNULInNestedFields() {
        #expect(
            throws: ProtoDecodingError.embeddedNUL(message: "sharewire.v1.ShareRequest", field: "access.service_ids")
        ) {
            try ShareRequest(deviceIDs: ["dev_1"], access: Access(mode: .ports, serviceIDs: ["svc_1", "svc\u{0}2"]))
                .validate()
        }
        #expect(throws: ProtoDecodingError.embeddedNUL(message: "sharewire.v1.ShareRequest", field: "emails")) {
            try ShareRequest(emails: ["a@example.com\u{0}"]).validate()
        }
        #expect(
            throws: ProtoDecodingError.embeddedNUL(
                message: "sharewire.v1.ListDevicesResponse", field: "devices.shared.access.service_ids")
        ) {
            try ListDevicesResponse(devices: [
                SharingSamples.ownedDevice,
                DeviceInfo(role: .shared(SharedDevice(access: Access(serviceIDs: ["\u{0}"])))),
            ]).validate()
        }
        #expect(
            throws: ProtoDecodingError.embeddedNUL(message: "sharewire.v1.UpdateContactRequest", field: "first_name")
        ) {
            try UpdateContactRequest(firstName: "a\u{0}").validate()
        }
    }

    @Test func methodIDs() {
        #expect(MethodID.sharingShare.rawValue == 150)
        #expect(MethodID.sharingShare.path == "/sharewire.v1.SharingService/Share")
        #expect(MethodID(rawValue: 180)?.path == "/sharewire.v1.CheckService/Check")
        #expect(MethodID(rawValue: 191)?.path == "/sharewire.v1.NotificationService/WatchNotifications")
        #expect(
            Set(MethodID.allCases.filter(\.isServerStreaming)) == [
                .healthWatch, .diagnosticsEchoStream, .notificationWatchNotifications,
                .eventWatchAccessChanges,
            ])
        #expect(MethodID.allCases.count == 38)
    }
}
