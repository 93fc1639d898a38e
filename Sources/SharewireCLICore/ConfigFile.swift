/// The CLI's config file: one `key = "value"` per line (a tiny subset of TOML).
///
/// ```toml
/// # ~/.config/sharewire/config.toml
/// address = "127.0.0.1:7070"
/// api_key = "sw_…"
/// service_key_file = "/etc/sharewire/service.key"
/// ```
///
/// - Lines end with "\n" or "\r\n". Blank lines and lines starting with `#`
///   are ignored; so is a `#` comment
///   after a quoted value.
/// - Values are double-quoted strings (`\"`, `\\`, `\n`, `\r`, `\t` escape) or bare words
///   without spaces (`timeout = 5`).
/// - Keys are ``knownKeys``; an unknown key or a repeated key is an error
///   naming its line, so a typo never silently falls back to a default.
/// - `[profiles.NAME]` starts a profile: its keys, chosen with `--profile
///   NAME` or `SHAREWIRE_PROFILE`, override the ones above every section.
public struct ConfigFile: Sendable, Hashable {
    /// Every key the file may set.
    public static let knownKeys: [String] = [
        "address", "api_key", "service_key", "service_key_file", "act_as", "timeout",
        "tls", "tls_ca_file", "tls_server_name", "tls_cert_file", "tls_key_file",
    ]

    /// The settings outside every profile, by key.
    public var values: [String: String]
    /// Each profile's settings, by profile name then key.
    public var profiles: [String: [String: String]]

    /// A config with these values.
    public init(values: [String: String] = [:], profiles: [String: [String: String]] = [:]) {
        self.values = values
        self.profiles = profiles
    }

    /// The settings of `profile` (the top-level ones, overridden by the
    /// profile's), or the top-level ones for `nil`.
    /// - Throws: `.config` for a profile the file does not have.
    public func values(profile: String?, path: String = "config") throws(CLIError) -> [String: String] {
        guard let profile else { return values }
        guard let own = profiles[profile] else {
            let known = profiles.keys.sorted()
            throw CLIError(
                .config,
                "no profile '\(profile)' in \(path)"
                    + (known.isEmpty ? " (it has none)" : " (profiles: \(known.joined(separator: ", ")))"),
                hint:
                    "add one with `sharewire login --profile \(profile)` or `sharewire config set KEY VALUE --profile \(profile)`"
            )
        }
        return values.merging(own) { _, profileValue in profileValue }
    }

    /// `profiles.NAME` → `NAME` for a `[profiles.NAME]` header line, else nil.
    static func profileName(header line: String) -> Substring? {
        guard line.hasPrefix("[profiles."), line.hasSuffix("]") else { return nil }
        return line.dropFirst("[profiles.".count).dropLast()
    }

    /// A profile name: letters, digits, `-` and `_`.
    public static func isValidProfileName(_ name: some StringProtocol) -> Bool {
        !name.isEmpty && name.count <= 64
            && name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }
    }

    /// Parses the text of a config file.
    /// - Throws: ``CLIError`` (`.config`) naming the line of the first problem.
    public init(parsing text: String, path: String = "config") throws(CLIError) {
        var values: [String: String] = [:]
        var profiles: [String: [String: String]] = [:]
        var profile: String?
        var lineNumber = 0
        for rawLine in text.configLines() {
            lineNumber += 1
            let line = rawLine.trimmingWhitespace()
            if line.isEmpty || line.hasPrefix("#") { continue }
            func fail(_ problem: String) -> CLIError {
                CLIError(.config, "\(path):\(lineNumber): \(problem)")
            }
            if line.hasPrefix("[") {
                guard let name = Self.profileName(header: line), Self.isValidProfileName(name) else {
                    throw fail(
                        "unknown section \(line) (a profile is [profiles.NAME], NAME of letters, digits, - and _)")
                }
                guard profiles[String(name)] == nil else { throw fail("profile '\(name)' appears twice") }
                profile = String(name)
                profiles[String(name)] = [:]
                continue
            }
            guard let equals = line.firstIndex(of: "=") else { throw fail("expected key = \"value\"") }
            let key = line[..<equals].trimmingWhitespace()
            guard Self.knownKeys.contains(key) else {
                throw fail("unknown key '\(key)' (known: \(Self.knownKeys.joined(separator: ", ")))")
            }
            let rest = line[line.index(after: equals)...].trimmingWhitespace()
            if let profile {
                guard profiles[profile]?[key] == nil else {
                    throw fail("'\(key)' is set twice in profile '\(profile)'")
                }
                profiles[profile]?[key] = try Self.value(rest, fail: fail)
            } else {
                guard values[key] == nil else { throw fail("'\(key)' is set twice") }
                values[key] = try Self.value(rest, fail: fail)
            }
        }
        self.values = values
        self.profiles = profiles
    }

    /// A quoted string (with escapes and an optional trailing comment), a
    /// one-line array of quoted strings (`["a:7070", "b:7070"]`, kept as
    /// `a:7070,b:7070`: the instances of a cluster), or a bare word.
    private static func value(_ text: String, fail: (String) -> CLIError) throws(CLIError) -> String {
        if text.unicodeScalars.first == "[" { return try array(text, fail: fail) }
        guard text.unicodeScalars.first == "\"" else {
            let bare =
                text.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first
                .map { String($0).trimmingWhitespace() } ?? ""
            guard !bare.isEmpty else { throw fail("missing value") }
            guard !bare.contains(where: { $0 == " " || $0 == "\t" || $0 == "\"" }) else {
                throw fail("a value with spaces or quotes must be in double quotes")
            }
            return bare
        }
        // By Unicode scalar, not Character: a combining mark after a quote
        // or a backslash forms one Character with it, which would hide the
        // quote or the escape.
        let scalars = text.unicodeScalars
        var result = String.UnicodeScalarView()
        var index = scalars.index(after: scalars.startIndex)
        var escaped = false
        while index < scalars.endIndex {
            let scalar = scalars[index]
            index = scalars.index(after: index)
            if escaped {
                switch scalar {
                case "\"", "\\": result.append(scalar)
                case "n": result.append("\n")
                case "r": result.append("\r")
                case "t": result.append("\t")
                default: throw fail("unknown escape \\\(scalar)")
                }
                escaped = false
            } else if scalar == "\\" {
                escaped = true
            } else if scalar == "\"" {
                let trailing = String(scalars[index...]).trimmingWhitespace()
                guard trailing.isEmpty || trailing.hasPrefix("#") else {
                    throw fail("unexpected text after the closing quote")
                }
                return String(result)
            } else {
                result.append(scalar)
            }
        }
        throw fail("missing closing quote")
    }

    /// `["a", "b"]` → `a,b`: plain double-quoted items (no escapes, no
    /// commas inside), separated by commas, an optional trailing comment.
    private static func array(_ text: String, fail: (String) -> CLIError) throws(CLIError) -> String {
        guard let close = text.lastIndex(of: "]") else { throw fail("missing closing ] of the list") }
        let trailing = text[text.index(after: close)...].trimmingWhitespace()
        guard trailing.isEmpty || trailing.hasPrefix("#") else { throw fail("unexpected text after the closing ]") }
        var items: [String] = []
        for part in text[text.index(after: text.startIndex)..<close].split(
            separator: ",", omittingEmptySubsequences: false)
        {
            let item = part.trimmingWhitespace()
            // A trailing comma.
            if item.isEmpty, part.allSatisfy({ $0 == " " || $0 == "\t" }), items.count > 0 { continue }
            guard item.count >= 2, item.hasPrefix("\""), item.hasSuffix("\""),
                !item.dropFirst().dropLast().contains(where: { $0 == "\"" || $0 == "\\" })
            else {
                throw fail("a list is [\"item\", \"item\"] (double-quoted items without escapes)")
            }
            items.append(String(item.dropFirst().dropLast()))
        }
        guard !items.isEmpty else { throw fail("empty list") }
        return items.joined(separator: ",")
    }

    /// The file's text for these values, in ``knownKeys`` order, then each profile by name.
    public func rendered() -> String {
        func lines(_ values: [String: String]) -> [String] {
            Self.knownKeys.compactMap { key in values[key].map { Self.line(key: key, value: $0) } }
        }
        var text = lines(values)
        for name in profiles.keys.sorted() {
            if !text.isEmpty { text.append("") }
            text.append("[profiles.\(name)]")
            text += lines(profiles[name] ?? [:])
        }
        return text.joined(separator: "\n") + "\n"
    }

    /// `key = "value"`, escaped by Unicode scalar: "\r\n" is one Character,
    /// so escaping by Character would write a CRLF inside a value as a line
    /// break.
    static func line(key: String, value: String) -> String {
        var escaped = ""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\\": escaped += "\\\\"
            case "\"": escaped += "\\\""
            case "\n": escaped += "\\n"
            case "\r": escaped += "\\r"
            case "\t": escaped += "\\t"
            default: escaped.unicodeScalars.append(scalar)
            }
        }
        return "\(key) = \"\(escaped)\""
    }
}

extension StringProtocol {
    /// The lines of a config file, ended by "\n" or "\r\n". ("\r\n" is one
    /// `Character` in Swift, so splitting at "\n" alone keeps a CRLF file
    /// as one line; a lone "\r" is trimmed as whitespace.)
    func configLines() -> [SubSequence] {
        split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
    }

    /// Without leading and trailing spaces, tabs and carriage returns.
    func trimmingWhitespace() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\r" }
        guard let first = firstIndex(where: { !isSpace($0) }) else { return "" }
        let last = lastIndex(where: { !isSpace($0) })!
        return String(self[first...last])
    }
}
