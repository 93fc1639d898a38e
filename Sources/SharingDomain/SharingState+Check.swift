import HashTreeCollections

/// One question of a batch check.
public struct CheckRequest: Hashable, Sendable {
    public var user: AccountID
    public var device: DeviceID
    /// A port, or `nil` to ask about scripting.
    public var port: UInt16?
    public init(user: AccountID, device: DeviceID, port: UInt16?) {
        self.user = user
        self.device = device
        self.port = port
    }
}

/// The hot path. No strings are built and nothing is allocated: two trie
/// lookups keyed by integers and a scan of the device's few services.
extension SharingState {
    /// Whether `user` may reach `port` on `device`: the owner may reach every
    /// service; a recipient with `ALL` every service; with `PORTS` the chosen ones.
    /// A port no service of the device listens on is never reachable.
    @inlinable
    public func check(user: AccountID, device: DeviceID, port: UInt16) -> Bool {
        guard let d = devices[device] else { return false }
        if d.owner == user { return d.services.contains { $0.port == port } }
        guard let share = shares[ShareKey(device: device, user: user)] else { return false }
        switch share.access.mode {
        case .all:
            return d.services.contains { $0.port == port }
        case .ports:
            // Several services may share a port (tcp and udp): any chosen one grants it.
            for s in d.services where s.port == port && share.access.services.contains(s.id) { return true }
            return false
        }
    }

    /// Whether `user` may run scripts on `device`: the owner always, a recipient if its share allows.
    @inlinable
    public func checkScripting(user: AccountID, device: DeviceID) -> Bool {
        guard let d = devices[device] else { return false }
        if d.owner == user { return true }
        return shares[ShareKey(device: device, user: user)]?.access.scripting ?? false
    }

    /// Answers many checks against this one snapshot.
    public func checkBatch(_ requests: [CheckRequest]) throws(SharingError) -> [Bool] {
        if requests.count > limits.maxChecksPerBatch {
            throw SharingError(.limitExceeded, subject: String(requests.count), field: "checks",
                               message: "at most \(limits.maxChecksPerBatch) checks per batch")
        }
        var out: [Bool] = []
        out.reserveCapacity(requests.count)
        for r in requests {
            if let port = r.port {
                out.append(check(user: r.user, device: r.device, port: port))
            } else {
                out.append(checkScripting(user: r.user, device: r.device))
            }
        }
        return out
    }
}
