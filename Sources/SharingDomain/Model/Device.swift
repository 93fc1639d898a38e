/// A service a device offers: something listening on a port.
public struct Service: Hashable, Sendable, Codable {
    public let id: ServiceID
    public var name: String
    public var port: UInt16
    /// Free text such as `tcp`, `udp`, `ssh`, `http`.
    public var `protocol`: String

    public init(id: ServiceID, name: String, port: UInt16, protocol: String) {
        self.id = id
        self.name = name
        self.port = port
        self.protocol = `protocol`
    }
}

/// What a caller gives to describe a new service; the id is allocated by the rules.
public struct ServiceSpec: Hashable, Sendable {
    public var name: String
    public var port: UInt16
    public var `protocol`: String
    public init(name: String, port: UInt16, protocol: String) {
        self.name = name
        self.port = port
        self.protocol = `protocol`
    }
}

/// A device and its services.
public struct Device: Hashable, Sendable, Codable {
    public let id: DeviceID
    public var owner: AccountID
    public var name: String
    /// In the order they were added. Small (see ``Limits/maxServicesPerDevice``),
    /// so an array scan beats a dictionary for `Check`.
    public var services: [Service]
    public var createdAt: Timestamp
    public var updatedAt: Timestamp

    public init(
        id: DeviceID, owner: AccountID, name: String, services: [Service], createdAt: Timestamp,
        updatedAt: Timestamp
    ) {
        self.id = id
        self.owner = owner
        self.name = name
        self.services = services
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    /// Whether the device has a service with this id.
    @inlinable
    public func hasService(_ id: ServiceID) -> Bool {
        for s in services where s.id == id { return true }
        return false
    }
}
