internal import SharewireMessages

extension SharewireClient {
    /// Registers a device owned by the caller.
    /// - Parameters:
    ///   - name: at most 128 bytes.
    ///   - services: at most 64.
    public func registerDevice(
        name: String, services: [NewService] = [],
        options: CallOptions = .default
    ) async throws(SharewireError) -> Device {
        let response = try await stubs.devices.register(
            RegisterDeviceRequest(name: name, services: services.map(\.wire)), options: options)
        return Device(response.device)
    }

    /// Renames a device the caller owns.
    public func renameDevice(
        _ deviceID: String, to name: String,
        options: CallOptions = .default
    ) async throws(SharewireError) -> Device {
        let response = try await stubs.devices.rename(
            RenameDeviceRequest(deviceID: deviceID, name: name), options: options)
        return Device(response.device)
    }

    /// Adds a service to a device the caller owns; returns it with its id.
    public func addService(
        _ service: NewService, to deviceID: String,
        options: CallOptions = .default
    ) async throws(SharewireError) -> Service {
        let response = try await stubs.devices.addService(
            AddServiceRequest(deviceID: deviceID, service: service.wire), options: options)
        return Service(response.service)
    }

    /// Removes a service from a device the caller owns; port shares naming it lose it.
    /// A service id that is not on the device (another device's, or none) fails
    /// NOT_FOUND with reason `serviceNotFound`.
    /// - Returns: the revision of the write.
    @discardableResult
    public func removeService(
        _ serviceID: String, from deviceID: String,
        options: CallOptions = .default
    ) async throws(SharewireError) -> Revision {
        let response = try await stubs.devices.removeService(
            RemoveServiceRequest(deviceID: deviceID, serviceID: serviceID), options: options)
        return Revision(response.revision)
    }

    /// A device the caller owns or received.
    /// - Throws: NOT_FOUND `DEVICE_NOT_FOUND` otherwise.
    public func device(_ deviceID: String, options: CallOptions = .default) async throws(SharewireError) -> Device {
        let response = try await stubs.devices.get(
            GetDeviceRequest(deviceID: deviceID, minRevision: minRevision(options)), options: options)
        return Device(response.device)
    }

    /// One page of the devices the caller owns or received, in id order.
    public func listDevices(
        pageSize: Int? = nil, pageToken: String? = nil,
        options: CallOptions = .default
    ) async throws(SharewireError) -> Page<Device> {
        let request = ListDevicesRequest(
            pageSize: UInt32(clamping: pageSize ?? 0), pageToken: pageToken ?? "",
            minRevision: minRevision(options))
        let response = try await stubs.devices.list(request, options: options)
        return Page(
            items: response.devices.map(Device.init), nextPageToken: response.nextPageToken.nonEmpty,
            revision: Revision(response.revision))
    }

    /// Every device the caller owns or received, fetching pages as needed.
    public func devices(pageSize: Int? = nil, options: CallOptions = .default) -> PageSequence<Device> {
        PageSequence { token throws(SharewireError) in
            try await self.listDevices(pageSize: pageSize, pageToken: token, options: options)
        }
    }
}
