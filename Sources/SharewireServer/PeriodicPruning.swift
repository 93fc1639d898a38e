import Logging

/// The retention loop of the logs that keep only their latest revisions (the
/// cluster change log, the access-change log): every interval it deletes
/// what is older. A failure is logged and tried again next round; every
/// prune is idempotent, so instances of a cluster may overlap.
enum PeriodicPruning {
    /// Runs `prune` every `interval` until the task is cancelled.
    static func start(
        every interval: Duration, what: String, logger: Logger,
        _ prune: @escaping @Sendable () async throws -> Void
    ) -> Task<Void, Never> {
        Task {
            while !Task.isCancelled {
                do { try await Task.sleep(for: interval) } catch { return }
                do {
                    try await prune()
                } catch {
                    logger.debug("\(what) not pruned", metadata: ["error": "\(error)"])
                }
            }
        }
    }
}
