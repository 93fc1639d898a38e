import Logging
import NIOCore
import NIOSSL
import SharewireMessages
import Synchronization

/// A fixed number of connection slots, used round-robin. A slot connects
/// lazily, reconnects after its connection goes away, and backs off
/// exponentially after failed attempts.
final class ClientConnectionPool: Sendable {
    private enum SlotState {
        case idle(failures: Int)
        case connecting(Task<ClientConnection, any Error>, failures: Int)
        case ready(ClientConnection)
        case backingOff(until: NIODeadline, failures: Int, lastError: String)
        case closed
    }

    private let configuration: ClientConfiguration
    private let group: any EventLoopGroup
    private let logger: Logger
    /// Mutex is noncopyable, so each slot's lock lives in its own object.
    private final class Slot: Sendable {
        let state = Mutex(SlotState.idle(failures: 0))
    }

    private let slots: [Slot]
    private let nextSlot = Atomic<Int>(0)
    /// The TLS context every connection shares, or why there is none.
    private let tlsContext: Result<NIOSSLContext, TLSSetupError>?

    init(configuration: ClientConfiguration, group: any EventLoopGroup, logger: Logger) {
        self.configuration = configuration
        self.group = group
        self.logger = logger
        self.tlsContext = configuration.tls.map { tls in Result { () throws(TLSSetupError) in try tls.makeContext() } }
        self.slots = (0..<max(1, configuration.connections)).map { _ in Slot() }
    }

    /// A ready connection, connecting one if needed.
    /// - Throws: `RPCError` UNAVAILABLE (not processed) while backing off or
    ///   when the connection attempt fails.
    func connection() async throws(RPCError) -> ClientConnection {
        let first = nextSlot.add(1, ordering: .relaxed).oldValue
        for offset in 0..<slots.count {
            let slot = (first &+ offset) % slots.count
            let ready = slots[slot].state.withLock { state -> ClientConnection? in
                if case let .ready(connection) = state, connection.isUsable { return connection }
                return nil
            }
            if let ready { return ready }
        }
        return try await connect(slot: ((first % slots.count) + slots.count) % slots.count)
    }

    private func connect(slot index: Int) async throws(RPCError) -> ClientConnection {
        if case let .failure(error) = tlsContext {
            throw RPCError(
                .failedPrecondition, "TLS settings: \(error)",
                details: [StatusDetail(reason: TransportSecurity.Reason.badConfiguration)], notProcessed: true)
        }
        let slot = slots[index]
        let task: Task<ClientConnection, any Error> = try slot.state.withLock { state throws(RPCError) in
            switch state {
            case let .ready(connection) where connection.isUsable:
                return Task { connection }
            case let .connecting(task, _):
                return task
            case .closed:
                throw RPCError(.unavailable, "client is closed", notProcessed: true)
            case let .backingOff(until, failures, lastError):
                let now = NIODeadline.now()
                guard now >= until else {
                    let wait = (until - now).nanoseconds / 1_000_000
                    throw RPCError(
                        .unavailable,
                        "cannot connect to \(configuration.host):\(configuration.port): \(lastError) (next attempt in \(wait) ms)",
                        notProcessed: true)
                }
                return startConnecting(&state, slot: index, failures: failures)
            case let .idle(failures):
                return startConnecting(&state, slot: index, failures: failures)
            case .ready:
                return startConnecting(&state, slot: index, failures: 0)
            }
        }
        do {
            return try await task.value
        } catch let error as RPCError {
            throw error
        } catch {
            throw RPCError(
                .unavailable,
                "cannot connect to \(configuration.host):\(configuration.port): \(ConnectFailure.describe(error))",
                notProcessed: true)
        }
    }

    /// Starts a connection attempt for slot `index`; the attempt itself
    /// moves the slot to ready or to backing off.
    private func startConnecting(_ state: inout SlotState, slot index: Int, failures: Int) -> Task<
        ClientConnection, any Error
    > {
        let configuration = self.configuration, group = self.group, logger = self.logger, slot = slots[index]
        let tlsContext = try? self.tlsContext?.get()
        let task = Task<ClientConnection, any Error> {
            do {
                let connection = try await ClientConnection.connect(
                    configuration: configuration, tlsContext: tlsContext, group: group,
                    logger: logger)
                let keep = slot.state.withLock { state -> Bool in
                    guard case .connecting = state else { return false }
                    state = .ready(connection)
                    return true
                }
                if !keep { connection.close() }
                return connection
            } catch {
                var rng = SystemRandomNumberGenerator()
                let delay = configuration.backoff.delay(attempt: failures + 1, using: &rng)
                slot.state.withLock { state in
                    guard case .connecting = state else { return }
                    state = .backingOff(
                        until: .now() + delay, failures: failures + 1, lastError: ConnectFailure.describe(error))
                }
                logger.debug(
                    "connect failed",
                    metadata: ["error": "\(error)", "retry-in-ms": "\(delay.nanoseconds / 1_000_000)"])
                throw error
            }
        }
        state = .connecting(task, failures: failures)
        return task
    }

    /// How ready the pool is to take a call now, without connecting: the
    /// best of its slots.
    var readiness: ConnectionReadiness {
        let now = NIODeadline.now()
        var best = ConnectionReadiness.closed
        for slot in slots {
            let readiness = slot.state.withLock { state -> ConnectionReadiness in
                switch state {
                case let .ready(connection): connection.isUsable ? .ready : .idle
                case let .idle(failures): failures == 0 ? .idle : .recovering
                case .connecting: .connecting
                case let .backingOff(until, _, _): now >= until ? .recovering : .failing
                case .closed: .closed
                }
            }
            if readiness == .ready { return .ready }
            best = min(best, readiness)
        }
        return best
    }

    /// Closes every connection; later calls fail with UNAVAILABLE.
    func close() {
        for slot in slots {
            let previous = slot.state.withLock { state -> SlotState in
                defer { state = .closed }
                return state
            }
            switch previous {
            case let .ready(connection): connection.close()
            case let .connecting(task, _): task.cancel()
            default: break
            }
        }
    }
}
