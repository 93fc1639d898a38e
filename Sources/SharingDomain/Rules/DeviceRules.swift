extension ApplyContext {
    mutating func registerDevice(name: String, services specs: [ServiceSpec]) throws(SharingError) -> Applied {
        try limits.checkName(name, field: .name)
        let owned = state.devicesByOwner[actor]?.count ?? 0
        if owned >= limits.maxDevicesPerAccount {
            throw SharingError(
                .limitExceeded, subject: String(owned + 1), field: .devices, limit: .devicesPerAccount,
                message: "at most \(limits.maxDevicesPerAccount) devices per account")
        }
        try checkServiceCount(specs.count)
        for spec in specs { try validate(spec) }
        let id: DeviceID = nextID(\.device, DeviceID.self)
        var services: [Service] = []
        for spec in specs {
            let sid: ServiceID = nextID(\.service, ServiceID.self)
            services.append(Service(id: sid, name: spec.name, port: spec.port, protocol: spec.protocol))
        }
        let device = Device(id: id, owner: actor, name: name, services: services, createdAt: at, updatedAt: at)
        put(device)
        for s in services { changes.mutations.append(.putService(id, s)) }
        record(.deviceRegistered, devices: [id], detail: "services=\(services.count)")
        return finish(.device(device))
    }

    /// Owner only: a recipient cannot rename a device it received.
    mutating func renameDevice(_ id: DeviceID, name: String) throws(SharingError) -> Applied {
        var device = try ownedDevice(id, field: .deviceId)
        try limits.checkName(name, field: .name)
        device.name = name
        device.updatedAt = at
        put(device)
        record(.deviceRenamed, devices: [id])
        return finish(.device(device))
    }

    /// `ALL` shares cover the new service at once; `PORTS` shares do not.
    mutating func addService(_ id: DeviceID, _ spec: ServiceSpec) throws(SharingError) -> Applied {
        var device = try ownedDevice(id, field: .deviceId)
        try checkServiceCount(device.services.count + 1)
        try validate(spec)
        let sid: ServiceID = nextID(\.service, ServiceID.self)
        let service = Service(id: sid, name: spec.name, port: spec.port, protocol: spec.protocol)
        device.services.append(service)
        device.updatedAt = at
        put(device)
        changes.mutations.append(.putService(id, service))
        record(.serviceAdded, devices: [id], detail: "service=\(sid) port=\(spec.port)")
        return finish(.service(id, service))
    }

    /// Removes the service from the device and from every `PORTS` share naming it.
    ///
    /// Each recipient whose share named it is told: `share.updated` with the
    /// access left, or, when nothing is left (no service, no scripting), the
    /// share is removed (`share.removed` event and notification) rather than
    /// kept granting nothing.
    ///
    /// A service id the device does not have is `SERVICE_NOT_FOUND`, whether
    /// it does not exist or is another device's: the answer does not reveal
    /// which (docs/DOMAIN.md §2).
    mutating func removeService(_ id: DeviceID, _ sid: ServiceID) throws(SharingError) -> Applied {
        let me = try actorAccount()
        var device = try ownedDevice(id, field: .deviceId)
        guard let index = device.services.firstIndex(where: { $0.id == sid }) else {
            throw SharingError(
                .serviceNotFound, subject: sid.external, field: .serviceId,
                message: "the device has no such service")
        }
        device.services.remove(at: index)
        device.updatedAt = at
        var narrowed: [Share] = []
        var emptied: [AccountID] = []
        revocation = .serviceRemoved
        for user in (state.sharesByDevice[id] ?? []).sorted() {
            let key = ShareKey(device: id, user: user)
            guard var share = state.shares[key], share.access.services.contains(sid) else { continue }
            share.access.services.remove(sid)
            if share.access.services.isEmpty && !share.access.scripting {
                delete(key)
                emptied.append(user)
            } else {
                share.updatedAt = at
                put(share)
                narrowed.append(share)
            }
        }
        put(device)
        changes.mutations.append(.deleteService(sid))
        let affected = (narrowed.map(\.user) + emptied).sorted()
        record(.serviceRemoved, devices: [id], users: affected, detail: "service=\(sid)")
        if !emptied.isEmpty {
            record(.shareRemoved, devices: [id], users: emptied, detail: "reason=service.removed service=\(sid)")
        }
        for share in narrowed {
            // The access left, as port numbers: what the recipient can still reach.
            var ports = Set<UInt16>()
            for s in device.services where share.access.services.contains(s.id) { ports.insert(s.port) }
            notify(
                .shareUpdated, account: share.user,
                data: NotificationData(
                    actorEmail: me.email, deviceNames: [device.name],
                    access: .portNumbers(ports, scripting: share.access.scripting)))
        }
        for user in emptied {
            notify(
                .shareRemoved, account: user, data: NotificationData(actorEmail: me.email, deviceNames: [device.name]))
        }
        return finish(.none)
    }

    func checkServiceCount(_ n: Int) throws(SharingError) {
        if n > limits.maxServicesPerDevice {
            throw SharingError(
                .limitExceeded, subject: String(n), field: .services, limit: .servicesPerDevice,
                message: "at most \(limits.maxServicesPerDevice) services per device")
        }
    }

    func validate(_ spec: ServiceSpec) throws(SharingError) {
        try limits.checkName(spec.name, field: .servicesName)
        if spec.port == 0 {
            throw SharingError(.invalidPort, subject: "0", field: .servicesPort, message: "port must be 1...65535")
        }
        if spec.protocol.isEmpty
            || spec.protocol.unicodeScalars.contains(where: { $0.value <= 0x20 || $0.value == 0x7F })
        {
            throw SharingError(
                .invalidArgument, subject: nil, field: .servicesProtocol,
                message: "protocol must be a non-empty word without spaces or control characters")
        }
        if spec.protocol.utf8.count > limits.maxProtocolLength {
            throw SharingError(
                .stringTooLong, subject: String(spec.protocol.prefix(32)), field: .servicesProtocol,
                limit: .protocolLength, message: "protocol is longer than \(limits.maxProtocolLength) bytes")
        }
    }
}
