import SharewireMessages
import SharewireRPC
import SharingDomain

/// `sharewire.v1.DeviceService`: registering devices and services, reading
/// the devices the caller owns or received.
///
/// Object-level authorization is the domain's: a device the caller neither
/// owns nor received is `DEVICE_NOT_FOUND` for reads and writes alike, and
/// a recipient attempting an owner action is `NOT_DEVICE_OWNER`.
public enum DeviceService {
    public static let register = MethodDescriptor(.deviceRegister)
    public static let rename = MethodDescriptor(.deviceRename)
    public static let addService = MethodDescriptor(.deviceAddService)
    public static let removeService = MethodDescriptor(.deviceRemoveService)
    public static let get = MethodDescriptor(.deviceGet)
    public static let list = MethodDescriptor(.deviceList)

    static func register(_ env: ServiceEnvironment, in router: inout RPCRouter) {
        router.unary(register) { (request: RegisterDeviceRequest, context) -> RegisterDeviceResponse in
            let caller = try env.caller(context)
            let services = try env.domain { () throws(SharingError) in
                try request.services.map { s throws(SharingError) in try Parse.service(s, field: "services") }
            }
            let result = try await env.write(.registerDevice(name: request.name, services: services), as: caller)
            return RegisterDeviceResponse(device: try info(result, caller, env), revision: result.revision)
        }

        router.unary(rename) { (request: RenameDeviceRequest, context) -> RenameDeviceResponse in
            let caller = try env.caller(context)
            let device: DeviceID = try env.domain { () throws(SharingError) in try Parse.id(request.deviceID, field: "deviceId") }
            let result = try await env.write(.renameDevice(device, name: request.name), as: caller)
            return RenameDeviceResponse(device: try info(result, caller, env), revision: result.revision)
        }

        router.unary(addService) { (request: AddServiceRequest, context) -> AddServiceResponse in
            let caller = try env.caller(context)
            let (device, spec) = try env.domain { () throws(SharingError) -> (DeviceID, ServiceSpec) in
                (try Parse.id(request.deviceID, field: "deviceId"), try Parse.service(request.service, field: "service"))
            }
            let result = try await env.write(.addService(device, spec), as: caller)
            guard case let .service(_, service) = result.outcome else {
                throw RPCError(.internal, "add service returned no service")
            }
            return AddServiceResponse(service: ServiceInfo(service), revision: result.revision)
        }

        router.unary(removeService) { (request: RemoveServiceRequest, context) -> RemoveServiceResponse in
            let caller = try env.caller(context)
            let (device, service) = try env.domain { () throws(SharingError) -> (DeviceID, ServiceID) in
                (try Parse.id(request.deviceID, field: "deviceId"), try Parse.id(request.serviceID, field: "serviceId"))
            }
            let result = try await env.write(.removeService(device, service), as: caller)
            return RemoveServiceResponse(revision: result.revision)
        }

        router.unary(get) { (request: GetDeviceRequest, context) -> GetDeviceResponse in
            let caller = try env.caller(context)
            let device: DeviceID = try env.domain { () throws(SharingError) in try Parse.id(request.deviceID, field: "deviceId") }
            let snapshot = try await env.read(atLeast: request.minRevision, context)
            let view = try env.domain { () throws(SharingError) in try snapshot.state.device(caller.account, device) }
            return GetDeviceResponse(device: DeviceInfo(view), revision: snapshot.revision)
        }

        router.unary(list) { (request: ListDevicesRequest, context) -> ListDevicesResponse in
            let caller = try env.caller(context)
            let snapshot = try await env.read(atLeast: request.minRevision, context)
            let page = try env.domain { () throws(SharingError) in
                try snapshot.state.listDevices(caller.account, cursor: Parse.pageToken(request.pageToken),
                                               pageSize: Parse.pageSize(request.pageSize))
            }
            return ListDevicesResponse(devices: page.items.map(DeviceInfo.init), nextPageToken: page.nextCursor ?? "",
                                       revision: snapshot.revision)
        }
    }

    /// The written device as its owner sees it. The share count comes from the
    /// latest snapshot (it includes the write); should the device have moved
    /// on since (a concurrent transfer), the written value is reported.
    private static func info(_ result: WriteResult, _ caller: Caller, _ env: ServiceEnvironment) throws(RPCError) -> DeviceInfo {
        guard case let .device(device) = result.outcome else {
            throw RPCError(.internal, "device write returned no device")
        }
        if let view = try? env.snapshots.latest().state.device(caller.account, device.id), case .owner = view.role {
            return DeviceInfo(device, role: view.role)
        }
        return DeviceInfo(device, role: .owner(shareCount: 0))
    }
}
