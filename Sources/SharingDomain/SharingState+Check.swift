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
/// lookups keyed by integers (a third for a share with an expiry or two or
/// more chosen services) and a scan of the device's few services. The share's
/// compact form is plain data: reading it retains nothing. The clock is read
/// only for a share that has an expiry (`now` is an autoclosure).
extension SharingState {
    /// Whether `user` may reach `port` on `device`: the owner may reach every
    /// service; a recipient with `ALL` every service; with `PORTS` the chosen ones,
    /// until the share's expiry (from `expiresAt` on, no).
    /// A port no service of the device listens on is never reachable.
    @inlinable
    public func check(
        user: AccountID, device: DeviceID, port: UInt16,
        at now: @autoclosure () -> Timestamp = Timestamp.now()
    ) -> Bool {
        guard let d = devices[device] else { return false }
        if d.owner == user { return d.services.contains { $0.port == port } }
        guard let (share, extras) = shares.active(ShareKey(device: device, user: user), at: now) else { return false }
        guard share.has(CompactShare.ports) else { return d.services.contains { $0.port == port } }
        // Several services may share a port (tcp and udp): any chosen one grants it.
        let many = share.has(CompactShare.manyServices)
        for s in d.services where s.port == port {
            if many ? extras?.services.contains(s.id) == true : s.id.raw == share.service { return true }
        }
        return false
    }

    /// Whether `user` may run scripts on `device`: the owner always, a recipient
    /// if its share allows and has not expired.
    @inlinable
    public func checkScripting(
        user: AccountID, device: DeviceID,
        at now: @autoclosure () -> Timestamp = Timestamp.now()
    ) -> Bool {
        guard let d = devices[device] else { return false }
        if d.owner == user { return true }
        return shares.active(ShareKey(device: device, user: user), at: now)?.share.has(CompactShare.scripting) ?? false
    }

    /// Answers many checks against this one snapshot, all at one instant
    /// (the clock is read once, when the first expiring share is met).
    public func checkBatch(
        _ requests: [CheckRequest],
        at now: @autoclosure () -> Timestamp = Timestamp.now()
    ) throws(SharingError) -> [Bool] {
        if requests.count > limits.maxChecksPerBatch {
            throw SharingError(
                .limitExceeded, subject: String(requests.count), field: .checks, limit: .checksPerBatch,
                message: "at most \(limits.maxChecksPerBatch) checks per batch")
        }
        var out: [Bool] = []
        out.reserveCapacity(requests.count)
        var instant: Timestamp?
        func read() -> Timestamp {
            if let instant { return instant }
            let t = now()
            instant = t
            return t
        }
        for r in requests {
            if let port = r.port {
                out.append(check(user: r.user, device: r.device, port: port, at: read()))
            } else {
                out.append(checkScripting(user: r.user, device: r.device, at: read()))
            }
        }
        return out
    }
}
