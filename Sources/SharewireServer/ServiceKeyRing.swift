import Metrics
import Synchronization

/// The service keys the server accepts: the current key and, during a
/// rotation, the next one (docs/SERVER.md, "Rotating the service key").
///
/// Both are accepted alike. Replacing them (``replace(current:next:)``, on
/// SIGHUP in `sharewired`) takes effect on the next call of every
/// connection, so a rotation needs no restart and drops no connection:
/// 1. add the new key as the next key everywhere, and reload;
/// 2. move every caller to the new key (the metric
///    `sharewire_service_key_uses_total{key="current"}` stops growing when
///    the current key is no longer presented);
/// 3. make the new key the current one, remove the next, and reload.
public final class ServiceKeyRing: Sendable {
    /// Which of the keys a presented secret is.
    public enum Slot: String, Sendable, CaseIterable {
        case current, next
    }

    private struct Keys {
        var current: ServiceKey?
        var next: ServiceKey?
    }

    private let keys: Mutex<Keys>
    private let useCounters: [Slot: Counter]

    /// - Parameters:
    ///   - current: the service key, or `nil` (account creation and the
    ///     outbox are then refused, unless a next key is set).
    ///   - next: the key a rotation moves to, accepted as well.
    public init(current: ServiceKey?, next: ServiceKey? = nil) {
        keys = Mutex(Keys(current: current, next: next))
        useCounters = Dictionary(
            uniqueKeysWithValues: Slot.allCases.map {
                ($0, Counter(label: "sharewire_service_key_uses_total", dimensions: [("key", $0.rawValue)]))
            })
    }

    /// Whether any service key is configured.
    public var isConfigured: Bool { keys.withLock { $0.current != nil || $0.next != nil } }

    /// Which key `presented` is, or `nil`. Both digests are always compared
    /// (each in constant time), so the timing does not tell which one matched.
    public func match(_ presented: some StringProtocol) -> Slot? {
        let (current, next) = keys.withLock { ($0.current, $0.next) }
        let isCurrent = current?.matches(presented) ?? false
        let isNext = next?.matches(presented) ?? false
        let slot: Slot? = isCurrent ? .current : isNext ? .next : nil
        if let slot { useCounters[slot]?.increment() }
        return slot
    }

    /// Replaces both keys; the next call on every connection sees the new ones.
    public func replace(current: ServiceKey?, next: ServiceKey?) {
        keys.withLock { $0 = Keys(current: current, next: next) }
    }
}
