/// Starts a resource (a server process, say), runs `body` with it, and stops
/// it whether `body` returned or threw.
public func withStarted<Resource, Result>(
    _ start: () async throws -> Resource,
    stop: (Resource) async -> Void,
    _ body: (Resource) async throws -> Result
) async throws -> Result {
    let resource = try await start()
    do {
        let result = try await body(resource)
        await stop(resource)
        return result
    } catch {
        await stop(resource)
        throw error
    }
}
