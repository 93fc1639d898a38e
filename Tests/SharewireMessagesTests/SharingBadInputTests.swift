import SharewireMessages
import Testing

/// Input protobuf-c accepts but Sharewire rejects, in messages with nested
/// repeated strings: ShareRequest (`emails`, `access.service_ids`) and
/// ListDevicesResponse (`devices.services.name`, `devices.shared.access.service_ids`).
@Suite struct SharingBadInputTests {
    /// `access { service_ids: <bad> }` of a ShareRequest.
    static func shareRequest(serviceID: [UInt8]) -> [UInt8] {
        field(1, Array("dev_1".utf8)) + field(2, Array("a@example.com".utf8))
            + field(3, [0x08, 0x02] + field(2, Array("svc_1".utf8)) + field(2, serviceID))
    }

    /// `devices { services { name: <bad> } }` or `devices { shared { access { service_ids: <bad> } } }`.
    static func listDevices(serviceName: [UInt8]? = nil, sharedServiceID: [UInt8]? = nil) -> [UInt8] {
        var device = field(1, Array("dev_1".utf8))
        if let serviceName { device += field(3, field(1, Array("svc_1".utf8)) + field(2, serviceName)) }
        if let sharedServiceID {
            device += field(7, field(1, Array("a@example.com".utf8)) + field(2, field(2, sharedServiceID)))
        }
        return field(1, SharingSamples.ownedDevice.serializedBytes()) + field(1, device)
    }

    @Test(arguments: BadInputTests.invalidUTF8)
    func invalidUTF8IsRejected(bad: [UInt8]) {
        #expect(throws: ProtoDecodingError.invalidUTF8(message: "sharewire.v1.ShareRequest", field: "emails")) {
            try ShareRequest(bytes: field(2, Array("ok@example.com".utf8)) + field(2, bad))
        }
        #expect(
            throws: ProtoDecodingError.invalidUTF8(message: "sharewire.v1.ShareRequest", field: "access.service_ids")
        ) {
            try ShareRequest(bytes: Self.shareRequest(serviceID: bad))
        }
        #expect(
            throws: ProtoDecodingError.invalidUTF8(
                message: "sharewire.v1.ListDevicesResponse", field: "devices.services.name")
        ) {
            try ListDevicesResponse(bytes: Self.listDevices(serviceName: bad))
        }
        #expect(
            throws: ProtoDecodingError.invalidUTF8(
                message: "sharewire.v1.ListDevicesResponse", field: "devices.shared.access.service_ids")
        ) {
            try ListDevicesResponse(bytes: Self.listDevices(sharedServiceID: bad))
        }
        #expect(
            throws: ProtoDecodingError.invalidUTF8(message: "sharewire.v1.UpdateContactRequest", field: "first_name")
        ) {
            try UpdateContactRequest(bytes: field(2, bad))
        }
    }

    @Test(arguments: BadInputTests.withNUL)
    func embeddedNULIsRejected(bad: [UInt8]) {
        #expect(throws: ProtoDecodingError.embeddedNUL(message: "sharewire.v1.ShareRequest", field: "device_ids")) {
            try ShareRequest(bytes: field(1, Array("dev_1".utf8)) + field(1, bad))
        }
        #expect(
            throws: ProtoDecodingError.embeddedNUL(message: "sharewire.v1.ShareRequest", field: "access.service_ids")
        ) {
            try ShareRequest(bytes: Self.shareRequest(serviceID: bad))
        }
        #expect(
            throws: ProtoDecodingError.embeddedNUL(
                message: "sharewire.v1.ListDevicesResponse", field: "devices.services.name")
        ) {
            try ListDevicesResponse(bytes: Self.listDevices(serviceName: bad))
        }
        #expect(
            throws: ProtoDecodingError.embeddedNUL(
                message: "sharewire.v1.ListDevicesResponse", field: "devices.shared.access.service_ids")
        ) {
            try ListDevicesResponse(bytes: Self.listDevices(sharedServiceID: bad))
        }
        #expect(
            throws: ProtoDecodingError.embeddedNUL(message: "sharewire.v1.CheckBatchRequest", field: "checks.user_id")
        ) {
            try CheckBatchRequest(bytes: field(1, field(1, bad)))
        }
    }

    @Test func wellFormedBuildersDecode() throws {
        let share = try ShareRequest(bytes: Self.shareRequest(serviceID: Array("svc_2".utf8)))
        #expect(
            share
                == ShareRequest(
                    deviceIDs: ["dev_1"], emails: ["a@example.com"],
                    access: Access(mode: .ports, serviceIDs: ["svc_1", "svc_2"])))
        let devices = try ListDevicesResponse(
            bytes: Self.listDevices(serviceName: Array("名前".utf8), sharedServiceID: Array("svc_1".utf8)))
        #expect(devices.devices.count == 2)
        #expect(devices.devices[1].services.first?.name == "名前")
        #expect(
            devices.devices[1].role
                == .shared(SharedDevice(sharedBy: "a@example.com", access: Access(serviceIDs: ["svc_1"]))))
    }

    @Test func malformedPackedAndOneofFields() {
        let cases: [(String, [UInt8])] = [
            ("packed bools: length past end", [0x0A, 0x05, 0x01, 0x00]),
            ("packed bools: truncated varint", [0x0A, 0x01, 0x80]),
        ]
        for (name, bytes) in cases {
            #expect(throws: ProtoDecodingError.malformed(message: "sharewire.v1.CheckBatchResponse"), "\(name)") {
                try CheckBatchResponse(bytes: bytes)
            }
        }
        #expect(throws: ProtoDecodingError.malformed(message: "sharewire.v1.DeviceInfo")) {
            try DeviceInfo(bytes: [0x32, 0x02, 0x08])  // owned { share_count: <truncated> }
        }
        #expect(throws: ProtoDecodingError.malformed(message: "sharewire.v1.CheckItem")) {
            try CheckItem(bytes: [0x1A, 0x01, 0x16])  // port as length-delimited
        }
    }

    /// Unpacked (non-packed) repeated bools are valid proto3 input too.
    @Test func unpackedBoolsAreAccepted() throws {
        #expect(try CheckBatchResponse(bytes: [0x08, 0x01, 0x08, 0x00, 0x08, 0x01]).allowed == [true, false, true])
    }

    @Test func mutatedEncodingsNeverCrash() {
        let types: [any ProtoMessage.Type] = [
            ShareRequest.self, ListDevicesResponse.self, CheckBatchRequest.self, CheckBatchResponse.self,
            UpdateContactRequest.self, WatchNotificationsResponse.self, ListEventsResponse.self,
        ]
        let seeds = [
            SharingSamples.share3x2.serializedBytes(), SharingSamples.listDevicesResponse.serializedBytes(),
            SharingSamples.checkBatch.serializedBytes(), SharingSamples.checkBatchResponse.serializedBytes(),
            SharingSamples.updateContactClearing.serializedBytes(),
        ]
        var rng = SplitMix64(seed: 0x5EED_0003)
        for iteration in 0..<1_500 {
            var bytes = seeds[iteration % seeds.count]
            for _ in 0..<Int.random(in: 1...4, using: &rng) {
                let index = Int.random(in: 0..<bytes.count, using: &rng)
                switch Int.random(in: 0..<4, using: &rng) {
                case 0: bytes[index] = UInt8.random(in: .min ... .max, using: &rng)
                case 1: bytes[index] ^= 1 << UInt8.random(in: 0..<8, using: &rng)
                case 2: bytes.insert(UInt8.random(in: .min ... .max, using: &rng), at: index)
                default: if bytes.count > 1 { bytes.remove(at: index) }
                }
            }
            for type in types { decodeIsSafe(type, bytes) }
        }
    }
}
