import SharewireMessages
import Testing

/// Sharing-service messages encoded by protobuf-c decode with
/// `protoc --decode` (the C++ reference implementation) to the same values.
@Suite struct SharingProtocDecodeTests {
    @Test func shareRequest() async throws {
        let request = SharingSamples.share3x2
        #expect(try await ShareRequest(text: Protoc.decode("ShareRequest", request.serializedBytes())) == request)
    }

    @Test func checkBatch() async throws {
        let request = SharingSamples.checkBatch
        let text = try await Protoc.decode("CheckBatchRequest", request.serializedBytes())
        #expect(try CheckBatchRequest(text: text) == request)
        let response = CheckBatchResponse(allowed: (0..<300).map { $0 % 5 == 0 }, revision: 1 << 40)
        #expect(
            try await CheckBatchResponse(text: Protoc.decode("CheckBatchResponse", response.serializedBytes()))
                == response)
    }

    @Test func listDevicesResponse() async throws {
        let response = SharingSamples.listDevicesResponse
        #expect(
            try await ListDevicesResponse(text: Protoc.decode("ListDevicesResponse", response.serializedBytes()))
                == response)
    }

    @Test func updateContactRequest() async throws {
        let request = SharingSamples.updateContactClearing
        let text = try await Protoc.decode("UpdateContactRequest", request.serializedBytes())
        #expect(text.has("first_name") && !text.has("last_name"))
        #expect(try UpdateContactRequest(text: text) == request)
    }

    @Test func watchNotificationsResponse() async throws {
        guard let response = SharingSamples.all.compactMap({ $0 as? WatchNotificationsResponse }).first else {
            throw TestFailure("no WatchNotificationsResponse sample")
        }
        let text = try await Protoc.decode("WatchNotificationsResponse", response.serializedBytes())
        #expect(try WatchNotificationsResponse(text: text) == response)
        #expect(try text.messages("notifications").first?.enumToken("template") == "NOTIFICATION_KIND_SHARE_CREATED")
    }
}

// Field-by-field conversion from protoc's text output (field names as in
// the .proto files). Each rejects fields it does not expect.

extension TextMessage {
    func has(_ name: String) -> Bool { fields.contains { $0.name == name } }

    /// Every value of a repeated string field.
    func strings(_ name: String) throws -> [String] {
        try fields.filter { $0.name == name }.map {
            guard case .string(let bytes) = $0.value, let string = String(validating: bytes, as: UTF8.self) else {
                throw TestFailure("field \(name) is not a UTF-8 string")
            }
            return string
        }
    }

    /// Every value of a repeated bool field (protoc prints one line per value).
    func bools(_ name: String) throws -> [Bool] {
        try fields.filter { $0.name == name }.map {
            guard case .scalar(let token) = $0.value, let value = Bool(token) else {
                throw TestFailure("field \(name) is not a bool")
            }
            return value
        }
    }

    /// Every value of a repeated unsigned integer field.
    func uint32s(_ name: String) throws -> [UInt32] {
        try fields.filter { $0.name == name }.map {
            guard case .scalar(let token) = $0.value, let value = UInt32(token) else {
                throw TestFailure("field \(name) is not an unsigned integer")
            }
            return value
        }
    }

    func bool(_ name: String) throws -> Bool {
        guard let token = try enumToken(name) else { return false }
        guard let value = Bool(token) else { throw TestFailure("field \(name): bad bool \(token)") }
        return value
    }

    /// An enum field, by its value name in `file` (as protoc prints it).
    func protoEnum<E: ProtoEnum>(_ name: String, _ enumName: String, in file: String) throws -> E {
        guard let token = try enumToken(name) else { return E(rawValue: 0) }
        let values = try ProtoSchema.enumValues(enumName, in: "sharewire/v1/\(file)")
        guard let value = values.first(where: { $0.name == token }) else {
            throw TestFailure("unknown \(enumName) \(token)")
        }
        return E(rawValue: value.number)
    }

    func message(_ name: String) throws -> TextMessage? {
        let all = try messages(name)
        guard all.count <= 1 else { throw TestFailure("field \(name) repeated") }
        return all.first
    }
}

extension Access {
    init(text: TextMessage) throws {
        try text.expectOnly(["mode", "service_ids", "scripting", "ports"])
        self.init(
            mode: try text.protoEnum("mode", "AccessMode", in: "common.proto"),
            serviceIDs: try text.strings("service_ids"), scripting: try text.bool("scripting"),
            ports: try text.uint32s("ports"))
    }
}

extension ShareRequest {
    init(text: TextMessage) throws {
        try text.expectOnly(["device_ids", "emails", "access", "notify"])
        self.init(
            deviceIDs: try text.strings("device_ids"), emails: try text.strings("emails"),
            access: try text.message("access").map(Access.init(text:)) ?? Access(), notify: try text.bool("notify"))
    }
}

extension CheckItem {
    init(text: TextMessage) throws {
        try text.expectOnly(["user_id", "device_id", "port"])
        self.init(
            userID: try text.string("user_id"), deviceID: try text.string("device_id"),
            port: text.has("port") ? try text.uint("port") : nil)
    }
}

extension CheckBatchRequest {
    init(text: TextMessage) throws {
        try text.expectOnly(["checks", "min_revision"])
        self.init(
            checks: try text.messages("checks").map(CheckItem.init(text:)), minRevision: try text.uint("min_revision"))
    }
}

extension CheckBatchResponse {
    init(text: TextMessage) throws {
        try text.expectOnly(["allowed", "revision"])
        self.init(allowed: try text.bools("allowed"), revision: try text.uint("revision"))
    }
}

extension ServiceInfo {
    init(text: TextMessage) throws {
        try text.expectOnly(["id", "name", "port", "protocol"])
        self.init(
            id: try text.string("id"), name: try text.string("name"), port: try text.uint("port"),
            protocol: try text.string("protocol"))
    }
}

extension DeviceInfo {
    init(text: TextMessage) throws {
        try text.expectOnly(["id", "name", "services", "created_at_ms", "updated_at_ms", "owned", "shared"])
        var role: Role?
        if let owned = try text.message("owned") {
            try owned.expectOnly(["share_count"])
            role = .owned(OwnedDevice(shareCount: try owned.uint("share_count")))
        }
        if let shared = try text.message("shared") {
            try shared.expectOnly(["shared_by", "access"])
            role = .shared(
                SharedDevice(
                    sharedBy: try shared.string("shared_by"),
                    access: try shared.message("access").map(Access.init(text:)) ?? Access()))
        }
        self.init(
            id: try text.string("id"), name: try text.string("name"),
            services: try text.messages("services").map(ServiceInfo.init(text:)),
            createdAtMs: try text.uint("created_at_ms"), updatedAtMs: try text.uint("updated_at_ms"), role: role)
    }
}

extension ListDevicesResponse {
    init(text: TextMessage) throws {
        try text.expectOnly(["devices", "next_page_token", "revision"])
        self.init(
            devices: try text.messages("devices").map(DeviceInfo.init(text:)),
            nextPageToken: try text.string("next_page_token"), revision: try text.uint("revision"))
    }
}

extension UpdateContactRequest {
    init(text: TextMessage) throws {
        try text.expectOnly(["email", "first_name", "last_name", "company", "language"])
        self.init(
            email: try text.string("email"),
            firstName: text.has("first_name") ? try text.string("first_name") : nil,
            lastName: text.has("last_name") ? try text.string("last_name") : nil,
            company: text.has("company") ? try text.string("company") : nil,
            language: try text.protoEnum("language", "LanguageCode", in: "common.proto"))
    }
}

extension NotificationEntry {
    init(text: TextMessage) throws {
        try text.expectOnly([
            "sequence", "revision", "created_at_ms", "recipient_email", "recipient_id", "language",
            "template", "subject", "body",
        ])
        self.init(
            sequence: try text.uint("sequence"), revision: try text.uint("revision"),
            createdAtMs: try text.uint("created_at_ms"), recipientEmail: try text.string("recipient_email"),
            recipientID: try text.string("recipient_id"),
            language: try text.protoEnum("language", "LanguageCode", in: "common.proto"),
            template: try text.protoEnum("template", "NotificationKind", in: "events.proto"),
            subject: try text.string("subject"), body: try text.string("body"))
    }
}

extension WatchNotificationsResponse {
    init(text: TextMessage) throws {
        try text.expectOnly(["notifications"])
        self.init(notifications: try text.messages("notifications").map(NotificationEntry.init(text:)))
    }
}
