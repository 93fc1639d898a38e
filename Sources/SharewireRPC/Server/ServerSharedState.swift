import NIOCore
import Synchronization

/// State shared by all connections of one server: the open channels (for
/// drain and hard close) and the server-wide call count.
final class ServerSharedState: Sendable {
    private struct Connections {
        var channels: [ObjectIdentifier: any Channel] = [:]
        var draining = false
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    private let connections = Mutex(Connections())
    private let activeCalls = Atomic<Int>(0)
    /// Failed-authentication limiting across connections; nil when off.
    let authLimiter: AuthenticationLimiter?

    init(authFailureLimits: AuthFailureLimits?) {
        authLimiter = authFailureLimits.map(AuthenticationLimiter.init(limits:))
    }

    /// Registers an accepted connection; false when over `limit` (it is then
    /// still served a GOAWAY, but not counted).
    func add(_ channel: any Channel, limit: Int) -> Bool {
        connections.withLock { state in
            guard state.channels.count < limit else { return false }
            state.channels[ObjectIdentifier(channel)] = channel
            return true
        }
    }

    func remove(_ channel: any Channel) {
        let waiters = connections.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.channels[ObjectIdentifier(channel)] = nil
            guard state.channels.isEmpty else { return [] }
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    var connectionCount: Int { connections.withLock { $0.channels.count } }

    /// Starts a drain on every open connection.
    func drainAll() {
        let channels = connections.withLock { state in
            state.draining = true
            return Array(state.channels.values)
        }
        for channel in channels { channel.pipeline.fireUserInboundEventTriggered(ServerDrainEvent()) }
    }

    /// Closes whatever is still open (end of the grace period).
    func closeAll() {
        let channels = connections.withLock { Array($0.channels.values) }
        for channel in channels { channel.close(promise: nil) }
    }

    /// Returns once no connection is open.
    func waitUntilAllClosed() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let done = connections.withLock { state in
                if state.channels.isEmpty { return true }
                state.waiters.append(continuation)
                return false
            }
            if done { continuation.resume() }
        }
    }

    func acquireCall(limit: Int) -> Bool {
        let previous = activeCalls.add(1, ordering: .relaxed).oldValue
        if previous < limit { return true }
        activeCalls.subtract(1, ordering: .relaxed)
        return false
    }

    func releaseCall() {
        activeCalls.subtract(1, ordering: .relaxed)
    }

    var callCount: Int { activeCalls.load(ordering: .relaxed) }
}
