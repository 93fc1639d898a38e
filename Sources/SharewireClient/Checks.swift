internal import SharewireMessages

/// One question of ``SharewireClient/checkBatch(_:options:)``.
public struct CheckQuery: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The account asking (`acc_N`).
    public var user: String
    /// The device (`dev_N`).
    public var device: String
    /// The port; `nil` asks whether the user may run scripts.
    public var port: UInt16?

    /// May `user` reach `port` of `device`? (`port` nil: may it run scripts?)
    public init(user: String, device: String, port: UInt16?) {
        self.user = user
        self.device = device
        self.port = port
    }

    /// May `user` reach `port` of `device`?
    public static func port(_ port: UInt16, user: String, device: String) -> CheckQuery {
        CheckQuery(user: user, device: device, port: port)
    }

    /// May `user` run scripts on `device`?
    public static func scripting(user: String, device: String) -> CheckQuery {
        CheckQuery(user: user, device: device, port: nil)
    }

    /// `acc_2 → dev_1:22` or `acc_2 → dev_1 scripting`.
    public var description: String { "\(user) → \(device)" + (port.map { ":\($0)" } ?? " scripting") }
}

extension SharewireClient {
    /// May `user` connect to `port` of `device`? The hot path for a
    /// connection broker.
    ///
    /// Unknown users, devices and ports answer `false`. The service key
    /// without act-as may ask about anyone; an account about itself, or
    /// anyone on a device it owns (else PERMISSION_DENIED `CHECK_NOT_ALLOWED`).
    /// With read-your-writes the answer reflects every write this client has
    /// seen, so a revoke followed by a check never lets the revoked user in.
    /// - Parameter user: an account id `acc_N`; `nil` for the caller itself.
    public func check(
        user: String? = nil, device: String, port: UInt16,
        options: CallOptions = .default
    ) async throws(SharewireError) -> Bool {
        let request = CheckPortRequest(
            userID: user ?? "", deviceID: device, port: UInt32(port),
            minRevision: minRevision(options))
        return try await stubs.checks.check(request, options: options).allowed
    }

    /// May `user` run scripts on `device`?
    /// - Parameter user: an account id `acc_N`; `nil` for the caller itself.
    public func checkScripting(
        user: String? = nil, device: String,
        options: CallOptions = .default
    ) async throws(SharewireError) -> Bool {
        let request = CheckScriptingRequest(userID: user ?? "", deviceID: device, minRevision: minRevision(options))
        return try await stubs.checks.checkScripting(request, options: options)
            .allowed
    }

    /// Answers many checks against one state, in order (at most 1,000).
    public func checkBatch(
        _ queries: [CheckQuery],
        options: CallOptions = .default
    ) async throws(SharewireError) -> [Bool] {
        let request = CheckBatchRequest(
            checks: queries.map { CheckItem(userID: $0.user, deviceID: $0.device, port: $0.port.map(UInt32.init)) },
            minRevision: minRevision(options))
        let response = try await stubs.checks.checkBatch(request, options: options)
        guard response.allowed.count == queries.count else {
            throw SharewireError.local(
                .internal,
                "CheckBatch answered \(response.allowed.count) of \(queries.count) checks")
        }
        return response.allowed
    }
}
