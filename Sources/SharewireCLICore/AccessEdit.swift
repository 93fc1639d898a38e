import SharewireClient

/// What `sharewire access edit` asks for: a new access, ports to add or
/// remove, and scripting on or off. Whatever is not named is kept, so
/// `--scripting` alone no longer wipes the ports.
public struct AccessEdit: Sendable, Hashable {
    /// `--all`, `--ports` or `--services`: the access part replaced outright.
    public var replacement: ShareAccess?
    /// `--add-ports`.
    public var addPorts: [UInt16]
    /// `--remove-ports`.
    public var removePorts: [UInt16]
    /// `--scripting` (true), `--no-scripting` (false), or neither (nil: kept).
    public var scripting: Bool?

    /// An edit; see ``parse(all:ports:services:addPorts:removePorts:scripting:)`` for the flags.
    public init(
        replacement: ShareAccess? = nil, addPorts: [UInt16] = [], removePorts: [UInt16] = [],
        scripting: Bool? = nil
    ) {
        self.replacement = replacement
        self.addPorts = addPorts
        self.removePorts = removePorts
        self.scripting = scripting
    }

    /// The edit the flags describe.
    /// - Throws: `.usage` when nothing is asked, or a replacement is mixed
    ///   with relative port changes, or a port list is malformed.
    public static func parse(
        all: Bool, ports: String?, services: String?, addPorts: String?, removePorts: String?,
        scripting: Bool?
    ) throws(CLIError) -> AccessEdit {
        let replaces = all || ports != nil || services != nil
        let relative = addPorts != nil || removePorts != nil
        if replaces && relative {
            throw CLIError(
                .usage,
                "give either --all/--ports/--services (replace) or --add-ports/--remove-ports (change), not both")
        }
        guard replaces || relative || scripting != nil else {
            throw CLIError(
                .usage,
                "say what to change: --ports, --all, --services, --add-ports, --remove-ports, --scripting or --no-scripting",
                hint: "e.g. --add-ports 80, or --no-scripting")
        }
        var edit = AccessEdit(scripting: scripting)
        if replaces {
            edit.replacement = try ArgumentSyntax.access(all: all, ports: ports, services: services, scripting: true)
        }
        if let addPorts { edit.addPorts = try ArgumentSyntax.ports(addPorts) }
        if let removePorts { edit.removePorts = try ArgumentSyntax.ports(removePorts) }
        return edit
    }

    /// The access and scripting that result from applying this edit to
    /// `share`. `services` are the device's services, used to
    /// drop the granted services listening on a removed port.
    /// - Throws: `.usage` when ports are removed from whole-device access,
    ///   when a removed port is not granted, or when nothing would be left.
    public func applied(to share: Share, services: [Service])
        throws(CLIError) -> (access: ShareAccess, scripting: Bool)
    {
        let scripting = self.scripting ?? share.scripting
        var access: ShareAccess
        if let replacement {
            access = replacement
        } else if share.access.mode == .all {
            guard removePorts.isEmpty else {
                throw CLIError(
                    .usage, "\(share.email) has the whole device, so there are no ports to remove",
                    hint: "give the ports to keep with --ports")
            }
            access = .all  // adding ports to the whole device changes nothing
        } else {
            let missing = removePorts.filter { !share.access.ports.contains($0) }
            if !missing.isEmpty {
                throw CLIError(
                    .usage,
                    "\(share.email) has no access to port \(missing.map(String.init).joined(separator: ",")) (has: \(Render.accessText(share.access, scripting: share.scripting)))"
                )
            }
            let removed = Set(removePorts)
            let portOf = Dictionary(services.map { ($0.id, $0.port) }, uniquingKeysWith: { first, _ in first })
            // Keep the granted services themselves (not their ports), so a
            // grant of one of two services on a port stays exactly that.
            let kept = share.access.serviceIDs.filter { id in portOf[id].map { !removed.contains($0) } ?? true }
            let added = addPorts.filter { !share.access.ports.contains($0) }
            access = ShareAccess(mode: .ports, serviceIDs: kept, ports: added)
        }
        if access.mode == .ports, access.serviceIDs.isEmpty, access.ports.isEmpty, !scripting {
            throw CLIError(
                .usage, "that would leave \(share.email) with no access at all",
                hint: "to stop sharing, use `sharewire unshare \(share.deviceID) --from \(share.email)`")
        }
        return (access, scripting)
    }
}
