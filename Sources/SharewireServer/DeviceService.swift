import SharewireMessages
import SharewireRPC
import SharingDomain

/// `sharewire.v1.DeviceService`: registering devices and services, reading
/// the devices the caller owns or received.
///
/// Object-level authorization is the domain's: a device the caller neither
/// owns nor received is `DEVICE_NOT_FOUND` for reads and writes alike, and
/// a recipient attempting an owner action is `NOT_DEVICE_OWNER`.
struct DeviceService: Sharewire_V1.DeviceService.Handler {
    let env: ServiceEnvironment
    var authentication: ServiceAuthentication { env.authentication }

    func register(
        request: RegisterDeviceRequest, caller: Caller,
        context: ServerContext
    ) async throws -> RegisterDeviceResponse {
        let services = try env.domain { () throws(SharingError) in
            try request.services.map { s throws(SharingError) in try Parse.service(s, portField: .servicesPort) }
        }
        let result = try await env.write(.registerDevice(name: request.name, services: services), as: caller)
        return RegisterDeviceResponse(device: try Self.info(result, caller, env), revision: result.revision)
    }

    func rename(
        request: RenameDeviceRequest, caller: Caller,
        context: ServerContext
    ) async throws -> RenameDeviceResponse {
        let device: DeviceID = try env.domain { () throws(SharingError) in
            try Parse.id(request.deviceID, field: .deviceId)
        }
        let result = try await env.write(.renameDevice(device, name: request.name), as: caller)
        return RenameDeviceResponse(device: try Self.info(result, caller, env), revision: result.revision)
    }

    func addService(
        request: AddServiceRequest, caller: Caller,
        context: ServerContext
    ) async throws -> AddServiceResponse {
        let (device, spec) = try env.domain { () throws(SharingError) -> (DeviceID, ServiceSpec) in
            (
                try Parse.id(request.deviceID, field: .deviceId),
                try Parse.service(request.service, portField: .servicePort)
            )
        }
        let result = try await env.write(.addService(device, spec), as: caller)
        guard case let .service(_, service) = result.outcome else {
            throw RPCError(.internal, "add service returned no service")
        }
        return AddServiceResponse(service: ServiceInfo(service), revision: result.revision)
    }

    func removeService(
        request: RemoveServiceRequest, caller: Caller,
        context: ServerContext
    ) async throws -> RemoveServiceResponse {
        let (device, service) = try env.domain { () throws(SharingError) -> (DeviceID, ServiceID) in
            (try Parse.id(request.deviceID, field: .deviceId), try Parse.id(request.serviceID, field: .serviceId))
        }
        let result = try await env.write(.removeService(device, service), as: caller)
        return RemoveServiceResponse(revision: result.revision)
    }

    func get(request: GetDeviceRequest, caller: Caller, context: ServerContext) async throws -> GetDeviceResponse {
        let device: DeviceID = try env.domain { () throws(SharingError) in
            try Parse.id(request.deviceID, field: .deviceId)
        }
        let snapshot = try await env.read(atLeast: request.minRevision, context)
        let view = try env.domain { () throws(SharingError) in
            try snapshot.state.device(caller.account, device, at: snapshot.now)
        }
        return GetDeviceResponse(device: DeviceInfo(view), revision: snapshot.revision)
    }

    func list(request: ListDevicesRequest, caller: Caller, context: ServerContext) async throws -> ListDevicesResponse {
        let snapshot = try await env.read(atLeast: request.minRevision, context)
        let page = try env.domain { () throws(SharingError) in
            try snapshot.state.listDevices(
                caller.account, cursor: Parse.pageToken(request.pageToken),
                pageSize: Parse.pageSize(request.pageSize), at: snapshot.now)
        }
        return ListDevicesResponse(
            devices: page.items.map(DeviceInfo.init), nextPageToken: page.nextCursor ?? "",
            revision: snapshot.revision)
    }

    /// The written device as its owner sees it. The share count comes from the
    /// latest snapshot (it includes the write); should the device have moved
    /// on since (a concurrent transfer), the written value is reported.
    private static func info(_ result: WriteResult, _ caller: Caller, _ env: ServiceEnvironment) throws(RPCError)
        -> DeviceInfo
    {
        guard case let .device(device) = result.outcome else {
            throw RPCError(.internal, "device write returned no device")
        }
        let latest = env.snapshots.latest()
        if let view = try? latest.state.device(caller.account, device.id, at: latest.now), case .owner = view.role {
            return DeviceInfo(device, role: view.role)
        }
        return DeviceInfo(device, role: .owner(shareCount: 0))
    }
}
