import SharewireOpsHTTP
import SharewireRPC

extension Readiness {
    /// Turns draining as soon as `server` begins to drain, before any
    /// connection is sent its first GOAWAY.
    public func follow(_ server: RPCServer) {
        server.onDrain { [self] in markDraining() }
    }
}
