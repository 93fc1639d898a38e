import Synchronization

/// Whether the server should receive traffic: what `/readyz` answers.
///
/// Starts as ``Phase/starting`` (the store is still loading), becomes
/// ``Phase/serving`` once the RPC listener accepts calls, and
/// ``Phase/draining`` for good when a drain begins. Only `serving` is ready.
public final class Readiness: Sendable {
    public enum Phase: UInt8, Sendable, CustomStringConvertible {
        case starting, serving, draining

        public var description: String {
            switch self {
            case .starting: "starting"
            case .serving: "serving"
            case .draining: "draining"
            }
        }
    }

    private let state = Atomic<UInt8>(Phase.starting.rawValue)

    public init() {}

    public var phase: Phase { Phase(rawValue: state.load(ordering: .acquiring)) ?? .draining }

    public var isReady: Bool { phase == .serving }

    /// The listener accepts calls. A server that already began draining stays draining.
    public func markServing() {
        _ = state.compareExchange(
            expected: Phase.starting.rawValue, desired: Phase.serving.rawValue,
            ordering: .acquiringAndReleasing)
    }

    /// A drain began: not ready again.
    public func markDraining() {
        state.store(Phase.draining.rawValue, ordering: .releasing)
    }
}
