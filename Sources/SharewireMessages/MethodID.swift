/// Numeric method ids for the fast path (`RequestHead.methodID`), mirroring
/// the `sharewire.v1.MethodId` enum. Each id stands for exactly one method
/// path. `METHOD_ID_UNSPECIFIED` (0) has no case: 0 means "use the path".
public enum MethodID: UInt32, Sendable, Hashable, CaseIterable {
    /// `/sharewire.v1.Health/Check`
    case healthCheck = 1
    /// `/sharewire.v1.Health/Watch` (server streaming)
    case healthWatch = 2
    /// `/sharewire.v1.Diagnostics/Echo`
    case diagnosticsEcho = 10
    /// `/sharewire.v1.Diagnostics/EchoStream` (server streaming)
    case diagnosticsEchoStream = 11

    /// The full method path this id stands for.
    public var path: String {
        switch self {
        case .healthCheck: "/sharewire.v1.Health/Check"
        case .healthWatch: "/sharewire.v1.Health/Watch"
        case .diagnosticsEcho: "/sharewire.v1.Diagnostics/Echo"
        case .diagnosticsEchoStream: "/sharewire.v1.Diagnostics/EchoStream"
        }
    }
}
