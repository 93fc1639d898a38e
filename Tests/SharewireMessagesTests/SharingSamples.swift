import SharewireMessages

/// Realistic values of every sharing-service message, reused by the
/// round-trip, golden-vector and protoc cross-check tests.
enum SharingSamples {
    static let t0: Int64 = 1_767_225_600_000  // 2026-01-01T00:00:00Z
    static let tanaka = "tanaka.hanako@example.jp"
    static let alice = "alice@example.com"

    // MARK: Shared pieces

    static let portsAccess = Access(
        mode: .ports, serviceIDs: ["svc_7", "svc_8"], scripting: true, ports: [22, 80, 65535])
    static let scriptsOnly = Access(mode: .ports, serviceIDs: [], scripting: true)
    static let allAccess = Access(mode: .all)

    static let account = AccountInfo(id: "acc_42", email: tanaka, language: .ja, createdAtMs: t0)

    static let contact = ContactInfo(
        id: "con_3", email: tanaka, firstName: "花子", lastName: "田中", company: "株式会社サンプル",
        language: .ja, hasAccount: false, invitedAtMs: t0 + 60_000, createdAtMs: t0, updatedAtMs: t0 + 60_000)

    static let ssh = ServiceInfo(id: "svc_7", name: "SSH", port: 22, protocol: "ssh")
    static let web = ServiceInfo(id: "svc_8", name: "管理画面 (Web)", port: 8443, protocol: "https")

    static let ownedDevice = DeviceInfo(
        id: "dev_12", name: "リビングのラズパイ", services: [ssh, web], createdAtMs: t0, updatedAtMs: t0 + 5,
        role: .owned(OwnedDevice(shareCount: 3)))
    static let sharedDevice = DeviceInfo(
        id: "dev_40", name: "Office NAS 🗄️",
        services: [ServiceInfo(id: "svc_90", name: "SMB", port: 445, protocol: "tcp")],
        createdAtMs: t0 - 86_400_000, updatedAtMs: t0,
        role: .shared(SharedDevice(sharedBy: alice, access: portsAccess)))

    static let shareInfo = ShareInfo(
        deviceID: "dev_12", userID: "acc_42", email: tanaka, access: portsAccess, createdAtMs: t0, updatedAtMs: t0 + 1)

    static let event = AuditEvent(
        id: "evt_120", revision: 77, atMs: t0, actorID: "acc_1", kind: .shareCreated,
        deviceIDs: ["dev_12", "dev_13"], userIDs: ["acc_1", "acc_42"],
        detail: "mode=PORTS services=svc_7,svc_8 scripting=true")

    static let notification = NotificationEntry(
        sequence: 9001, revision: 77, createdAtMs: t0, recipientEmail: tanaka, recipientID: "acc_42",
        language: .ja, template: .shareCreated, subject: "デバイスが共有されました",
        body: "alice@example.comさんが「リビングのラズパイ」をあなたと共有しました。アクセス権：選択したサービス（2件）、スクリプト実行可。")

    // MARK: Representative messages (golden vectors and protoc cross-checks)

    /// 3 devices × 2 emails, PORTS with two services and scripting, notifying.
    static let share3x2 = ShareRequest(
        deviceIDs: ["dev_12", "dev_13", "dev_14"], emails: [tanaka, alice], access: portsAccess, notify: true)

    /// Port checks, a scripting check (no port) and a check of port 0 (present, invalid).
    static let checkBatch = CheckBatchRequest(
        checks: [
            CheckItem(userID: "acc_42", deviceID: "dev_12", port: 22),
            CheckItem(userID: "acc_42", deviceID: "dev_12", port: 8443),
            CheckItem(userID: "acc_42", deviceID: "dev_12"),
            CheckItem(userID: "acc_7", deviceID: "dev_40", port: 0),
        ],
        minRevision: 77)

    static let checkBatchResponse = CheckBatchResponse(allowed: [true, false, true, false], revision: 78)

    static let listDevicesResponse = ListDevicesResponse(
        devices: [ownedDevice, sharedDevice], nextPageToken: "c14", revision: 78)

    /// Clears the first name (present and empty), sets the company, leaves
    /// the last name and the language alone.
    static let updateContactClearing = UpdateContactRequest(email: tanaka, firstName: "", company: "サンプル合同会社")

    static let apiKey = ApiKeyInfo(
        id: "key_9", name: "ci", createdAtMs: 1_700_000_000_123,
        lastUsedAtMs: 1_700_000_060_000)

    // MARK: Every message

    /// At least one realistic value of every message in the sharing schema.
    static let all: [any ProtoMessage] = [
        portsAccess, scriptsOnly, allAccess, account,
        CreateAccountRequest(email: tanaka, language: .ja),
        CreateAccountResponse(
            account: account, apiKey: "sw_" + String(repeating: "0123456789abcdef", count: 4), revision: 1),
        WhoamiRequest(minRevision: 5), WhoamiResponse(account: account, revision: 5),
        apiKey, CreateApiKeyRequest(name: "ノートパソコン"),
        CreateApiKeyResponse(key: apiKey, apiKey: "sw_" + String(repeating: "fedcba9876543210", count: 4), revision: 6),
        ListApiKeysRequest(minRevision: 6),
        ListApiKeysResponse(
            keys: [apiKey, ApiKeyInfo(id: "key_1", name: "default", createdAtMs: 1_700_000_000_000)],
            revision: 6),
        RevokeApiKeyRequest(keyID: "key_9"), RevokeApiKeyResponse(key: apiKey, revision: 7),
        contact,
        CreateContactRequest(email: tanaka, firstName: "花子", lastName: "田中", company: "株式会社サンプル", language: .ja),
        CreateContactResponse(contact: contact, revision: 10),
        updateContactClearing,
        UpdateContactRequest(email: alice, firstName: "Alice", lastName: "Ñúñez", company: nil, language: .en),
        UpdateContactResponse(contact: contact, revision: 11),
        DeleteContactRequest(email: tanaka), DeleteContactResponse(revision: 12, sharesRemoved: 4),
        ListContactsRequest(pageSize: 500, pageToken: "c2s", minRevision: 12),
        ListContactsResponse(
            contacts: [contact, ContactInfo(id: "con_4", email: alice, language: .en, hasAccount: true)],
            nextPageToken: "c4", revision: 12),
        InviteContactRequest(email: tanaka), InviteContactResponse(contact: contact, revision: 13),
        ssh, NewService(name: "リモートデスクトップ", port: 3389, protocol: "rdp"),
        OwnedDevice(shareCount: 0), SharedDevice(sharedBy: alice, access: allAccess),
        ownedDevice, sharedDevice, DeviceInfo(id: "dev_1", name: "no role"),
        RegisterDeviceRequest(
            name: "リビングのラズパイ",
            services: [
                NewService(name: "SSH", port: 22, protocol: "ssh"),
                NewService(name: "Web", port: 443, protocol: "https"),
            ]),
        RegisterDeviceResponse(device: ownedDevice, revision: 20),
        RenameDeviceRequest(deviceID: "dev_12", name: "寝室のラズパイ"),
        RenameDeviceResponse(device: ownedDevice, revision: 21),
        AddServiceRequest(deviceID: "dev_12", service: NewService(name: "VNC", port: 5900, protocol: "tcp")),
        AddServiceResponse(service: ServiceInfo(id: "svc_9", name: "VNC", port: 5900, protocol: "tcp"), revision: 22),
        RemoveServiceRequest(deviceID: "dev_12", serviceID: "svc_9"), RemoveServiceResponse(revision: 23),
        GetDeviceRequest(deviceID: "dev_40", minRevision: 23), GetDeviceResponse(device: sharedDevice, revision: 23),
        ListDevicesRequest(pageSize: 50, pageToken: "", minRevision: 23), listDevicesResponse,
        shareInfo, Sharee(userID: "acc_42", email: tanaka),
        share3x2, ShareResponse(revision: 30, created: 5, updated: 1),
        UpdateShareRequest(deviceID: "dev_12", email: tanaka, access: scriptsOnly, notify: false),
        UpdateShareResponse(revision: 31, updated: true),
        RemoveSharesRequest(deviceIDs: ["dev_12", "dev_13"], emails: [tanaka], notify: true),
        RemoveSharesResponse(revision: 32, removed: 2),
        CommonShareesRequest(deviceIDs: ["dev_12", "dev_13"], minRevision: 32),
        CommonShareesResponse(
            sharees: [Sharee(userID: "acc_9", email: alice), Sharee(userID: "acc_42", email: tanaka)],
            revision: 32),
        LeaveRequest(deviceIDs: ["dev_40"]), LeaveResponse(revision: 33, left: 1),
        ListDeviceSharesRequest(deviceID: "dev_12", pageSize: 10, pageToken: "c41", minRevision: 33),
        ListDeviceSharesResponse(shares: [shareInfo], nextPageToken: "", revision: 33),
        TransferRequest(deviceIDs: ["dev_12", "dev_13"], toEmail: alice),
        TransferResponse(revision: 34, transferred: 2),
        CheckPortRequest(userID: "acc_42", deviceID: "dev_12", port: 22, minRevision: 34),
        CheckPortResponse(allowed: true, revision: 34),
        CheckScriptingRequest(userID: "acc_42", deviceID: "dev_12", minRevision: 34),
        CheckScriptingResponse(allowed: false, revision: 35),
        CheckItem(userID: "acc_42", deviceID: "dev_12", port: 65535), checkBatch, checkBatchResponse,
        event,
        ListEventsRequest(
            deviceID: "dev_12", userID: "acc_42", kind: .shareRemoved, sinceMs: t0, untilMs: t0 + 86_400_000,
            pageSize: 100, pageToken: "c120", minRevision: 77),
        ListEventsResponse(
            events: [
                event,
                AuditEvent(
                    id: "evt_121", revision: 78, atMs: t0 + 1, actorID: "acc_42",
                    kind: .shareLeft, deviceIDs: ["dev_12"], userIDs: ["acc_42", "acc_1"]),
            ],
            nextPageToken: "c121", revision: 78),
        notification,
        WatchNotificationsRequest(afterSequence: 9000, minRevision: 77),
        WatchNotificationsResponse(notifications: [
            notification,
            NotificationEntry(
                sequence: 9002, revision: 78, createdAtMs: t0 + 1, recipientEmail: "new.user@example.org",
                recipientID: "", language: .en, template: .invite,
                subject: "alice@example.com invited you to Sharewire",
                body: "alice@example.com wants to share devices with you on Sharewire."),
        ]),
        AckNotificationsRequest(throughSequence: 9002), AckNotificationsResponse(acknowledgedSequence: 9002),
        WatchAccessChangesRequest(afterRevision: 77), WatchAccessChangesRequest(fromLatest: true),
        accessChange,
        WatchAccessChangesResponse(
            changes: [
                accessChange,
                AccessChange(
                    revision: 78, atMs: t0 + 1, deviceID: "dev_12", userID: "acc_42", ownerID: "acc_1",
                    kind: .deviceTransferred, level: .none, position: 1),
            ], throughRevision: 78),
        DeleteDeviceRequest(deviceID: "dev_12", validateOnly: true, notify: false),
        DeleteDeviceResponse(revision: 79, sharesRemoved: 3),
        DeleteAccountRequest(confirmEmail: "alice@example.com", notify: true),
        DeleteAccountResponse(revision: 80, devicesDeleted: 2, sharesRemoved: 7, contactsDeleted: 4),
        RespondToInvitationsRequest(deviceIDs: ["dev_12", "dev_13"], validateOnly: true),
        RespondToInvitationsResponse(revision: 81, answered: 2),
    ]

    static let accessChange = AccessChange(
        revision: 78, atMs: t0, deviceID: "dev_12", userID: "acc_7", ownerID: "acc_1", kind: .shareUpdated,
        level: .shared,
        access: Access(mode: .ports, serviceIDs: ["svc_3"], scripting: true, ports: [22]), expiresAtMs: t0 + 3_600_000)
}
