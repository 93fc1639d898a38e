import SharewireClient

/// Parsers for the CLI's argument syntaxes. Each throws ``CLIError`` with
/// exit code `.usage` and a message that quotes the bad input.
public enum ArgumentSyntax {
    /// `22,80` or `22, 80` → `[22, 80]`: ports 1–65535, duplicates dropped, order kept.
    public static func ports(_ text: String) throws(CLIError) -> [UInt16] {
        var ports: [UInt16] = []
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            let item = part.trimmingWhitespace()
            guard let port = UInt16(item), port >= 1 else {
                throw CLIError(
                    .usage, "not a port list: '\(text)' ('\(item)' is not a port 1-65535)",
                    hint: "write ports as numbers separated by commas, e.g. --ports 22,80")
            }
            if !ports.contains(port) { ports.append(port) }
        }
        return ports
    }

    /// A revision as the CLI prints it (`r12`, with `-v`) or as JSON has it
    /// (`12`) → 12. Zero means "none" and is accepted.
    public static func revision(_ text: String) throws(CLIError) -> UInt64 {
        let digits = text.hasPrefix("r") ? text.dropFirst() : Substring(text)
        guard !digits.isEmpty, digits.allSatisfy(\.isASCII), let value = UInt64(digits) else {
            throw CLIError(
                .usage, "not a revision: '\(text)'",
                hint: "give the revision a write printed, e.g. r12 (with -v) or 12 (its \"revision\" in --json)")
        }
        return value
    }

    /// `svc_1,svc_2` → `["svc_1", "svc_2"]`, duplicates dropped.
    public static func list(_ text: String, what: String) throws(CLIError) -> [String] {
        var items: [String] = []
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            let item = part.trimmingWhitespace()
            guard !item.isEmpty else { throw CLIError(.usage, "empty item in the \(what) list '\(text)'") }
            if !items.contains(item) { items.append(item) }
        }
        return items
    }

    /// The values of a repeatable, comma-separated option (`--with a@x,b@x
    /// --with c@x`) as one list, duplicates dropped, order kept.
    public static func emails(_ values: [String], option: String) throws(CLIError) -> [String] {
        var emails: [String] = []
        for value in values {
            for email in try list(value, what: option) where !emails.contains(email) { emails.append(email) }
        }
        return emails
    }

    /// A service of `devices add --service`: `NAME:PORT` or `NAME:PORT/PROTOCOL`
    /// (protocol `tcp` by default), e.g. `ssh:22`, `web:80/http`.
    public static func service(_ text: String) throws(CLIError) -> NewService {
        let usage = CLIError(
            .usage, "not a service: '\(text)'",
            hint: "write NAME:PORT or NAME:PORT/PROTOCOL, e.g. --service ssh:22 --service web:80/http")
        guard let colon = text.lastIndex(of: ":") else { throw usage }
        let name = String(text[..<colon])
        var rest = text[text.index(after: colon)...]
        var proto = "tcp"
        if let slash = rest.firstIndex(of: "/") {
            proto = String(rest[rest.index(after: slash)...])
            rest = rest[..<slash]
        }
        guard !name.isEmpty, !proto.isEmpty, let port = UInt16(rest), port >= 1 else { throw usage }
        return NewService(name: name, port: port, protocol: proto)
    }

    /// The access of `share` and `access edit`: exactly one of `--all`,
    /// `--ports` and `--services`; none is allowed only with `--scripting`
    /// (scripts only).
    public static func access(
        all: Bool, ports: String?, services: String?,
        scripting: Bool
    ) throws(CLIError) -> ShareAccess {
        let given = [all, ports != nil, services != nil].filter { $0 }.count
        guard given <= 1 else {
            throw CLIError(.usage, "give only one of --all, --ports and --services")
        }
        if all { return .all }
        if let ports { return .ports(try Self.ports(ports)) }
        if let services { return .services(try list(services, what: "service id")) }
        guard scripting else {
            throw CLIError(
                .usage, "say what to share: --ports 22,80, --all, --services svc_1, or --scripting alone",
                hint: "e.g. --ports 22")
        }
        return .scriptsOnly
    }

    /// True for an id of the given kind: `dev_12` for `"dev"`.
    public static func isID(_ text: String, kind: String) -> Bool {
        guard text.hasPrefix(kind + "_") else { return false }
        let digits = text.dropFirst(kind.count + 1)
        return !digits.isEmpty && digits.allSatisfy { $0.isASCII && $0.isNumber }
    }

    /// Device arguments accept an id (`dev_3`) or a device name. Names are
    /// looked up in `devices` (the caller's owned and received devices):
    /// exactly one device must have that name.
    /// - Throws: `.notFound` for an unknown name, `.usage` for an ambiguous one.
    public static func resolveDevices(_ references: [String], in devices: [Device]) throws(CLIError) -> [String] {
        var ids: [String] = []
        for reference in references {
            let id: String
            if isID(reference, kind: "dev") {
                id = reference
            } else {
                let matches = devices.filter { $0.name == reference }
                switch matches.count {
                case 0:
                    throw CLIError(
                        .notFound, "no device named '\(reference)'",
                        hint: "see `sharewire devices list` for ids and names")
                case 1:
                    id = matches[0].id
                default:
                    throw CLIError(
                        .usage,
                        "several devices are named '\(reference)': \(matches.map(\.id).joined(separator: ", "))",
                        hint: "use the device id instead")
                }
            }
            if !ids.contains(id) { ids.append(id) }
        }
        return ids
    }

    /// True when some reference is a name, so the device list is needed.
    public static func needsLookup(_ references: [String]) -> Bool {
        references.contains { !isID($0, kind: "dev") }
    }

    /// The services of `device` a `devices services rm` argument names: a
    /// service id (`svc_3`) or a port number (every service on it).
    /// - Throws: `.notFound` when nothing matches, `.usage` for neither an id nor a port.
    public static func services(matching reference: String, on device: Device) throws(CLIError) -> [String] {
        if isID(reference, kind: "svc") {
            guard device.services.contains(where: { $0.id == reference }) else {
                throw CLIError(.notFound, "\(device.id) has no service \(reference)")
            }
            return [reference]
        }
        guard let port = UInt16(reference), port >= 1 else {
            throw CLIError(.usage, "not a service id or port: '\(reference)'", hint: "e.g. svc_3 or 5900")
        }
        let ids = device.services.filter { $0.port == port }.map(\.id)
        guard !ids.isEmpty else { throw CLIError(.notFound, "\(device.id) has no service on port \(port)") }
        return ids
    }

    /// The user argument of `check`: `me` (or `-`) for the caller, an account id,
    /// or an email.
    public enum UserReference: Sendable, Hashable {
        /// The caller itself.
        case me
        /// An account id `acc_N`.
        case id(String)
        /// An email, to be looked up.
        case email(String)
    }

    /// Parses a user argument.
    public static func user(_ text: String) throws(CLIError) -> UserReference {
        if text == "me" || text == "-" { return .me }
        if isID(text, kind: "acc") { return .id(text) }
        if text.contains("@") { return .email(text) }
        throw CLIError(.usage, "not a user: '\(text)'", hint: "give `me`, an account id (acc_2) or an email")
    }

    /// Seconds as a `Duration`, for `--timeout` style options: positive, at most a day.
    public static func seconds(_ text: String, option: String) throws(CLIError) -> Duration {
        guard let seconds = Double(text), seconds > 0, seconds <= 86_400 else {
            throw CLIError(.usage, "\(option) must be seconds between 0 and 86400, not '\(text)'")
        }
        return .milliseconds(Int64(seconds * 1000))
    }
}
