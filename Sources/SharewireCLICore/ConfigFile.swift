/// The CLI's config file: one `key = "value"` per line (a tiny subset of TOML).
///
/// ```toml
/// # ~/.config/sharewire/config.toml
/// address = "127.0.0.1:7070"
/// api_key = "sw_…"
/// service_key_file = "/etc/sharewire/service.key"
/// ```
///
/// - Blank lines and lines starting with `#` are ignored; so is a `#` comment
///   after a quoted value.
/// - Values are double-quoted strings (`\"` and `\\` escape) or bare words
///   without spaces (`timeout = 5`).
/// - Keys are ``knownKeys``; an unknown key or a repeated key is an error
///   naming its line, so a typo never silently falls back to a default.
public struct ConfigFile: Sendable, Hashable {
    /// Every key the file may set.
    public static let knownKeys: [String] = [
        "address", "api_key", "service_key", "service_key_file", "act_as", "timeout",
        "tls", "tls_ca_file", "tls_server_name", "tls_cert_file", "tls_key_file",
    ]

    /// The settings, by key.
    public var values: [String: String]

    /// A config with these values.
    public init(values: [String: String] = [:]) {
        self.values = values
    }

    /// Parses the text of a config file.
    /// - Throws: ``CLIError`` (`.config`) naming the line of the first problem.
    public init(parsing text: String, path: String = "config") throws(CLIError) {
        var values: [String: String] = [:]
        var lineNumber = 0
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            let line = rawLine.trimmingWhitespace()
            if line.isEmpty || line.hasPrefix("#") { continue }
            func fail(_ problem: String) -> CLIError {
                CLIError(.config, "\(path):\(lineNumber): \(problem)")
            }
            guard let equals = line.firstIndex(of: "=") else { throw fail("expected key = \"value\"") }
            let key = line[..<equals].trimmingWhitespace()
            guard Self.knownKeys.contains(key) else {
                throw fail("unknown key '\(key)' (known: \(Self.knownKeys.joined(separator: ", ")))")
            }
            guard values[key] == nil else { throw fail("'\(key)' is set twice") }
            let rest = line[line.index(after: equals)...].trimmingWhitespace()
            values[key] = try Self.value(rest, fail: fail)
        }
        self.values = values
    }

    /// A quoted string (with escapes and an optional trailing comment) or a bare word.
    private static func value(_ text: String, fail: (String) -> CLIError) throws(CLIError) -> String {
        guard text.hasPrefix("\"") else {
            let bare = text.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first
                .map { String($0).trimmingWhitespace() } ?? ""
            guard !bare.isEmpty else { throw fail("missing value") }
            guard !bare.contains(where: { $0 == " " || $0 == "\t" || $0 == "\"" }) else {
                throw fail("a value with spaces or quotes must be in double quotes")
            }
            return bare
        }
        var result = ""
        var index = text.index(after: text.startIndex)
        var escaped = false
        while index < text.endIndex {
            let character = text[index]
            index = text.index(after: index)
            if escaped {
                switch character {
                case "\"", "\\": result.append(character)
                case "n": result.append("\n")
                case "t": result.append("\t")
                default: throw fail("unknown escape \\\(character)")
                }
                escaped = false
            } else if character == "\\" {
                escaped = true
            } else if character == "\"" {
                let trailing = text[index...].trimmingWhitespace()
                guard trailing.isEmpty || trailing.hasPrefix("#") else {
                    throw fail("unexpected text after the closing quote")
                }
                return result
            } else {
                result.append(character)
            }
        }
        throw fail("missing closing quote")
    }

    /// The file's text for these values, in ``knownKeys`` order.
    public func rendered() -> String {
        Self.knownKeys.compactMap { key in
            values[key].map { value in
                let escaped = value.replacingAll("\\", with: "\\\\").replacingAll("\"", with: "\\\"")
                    .replacingAll("\n", with: "\\n").replacingAll("\t", with: "\\t")
                return "\(key) = \"\(escaped)\""
            }
        }.joined(separator: "\n") + "\n"
    }
}

extension StringProtocol {
    /// Without leading and trailing spaces, tabs and carriage returns.
    func trimmingWhitespace() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\r" }
        guard let first = firstIndex(where: { !isSpace($0) }) else { return "" }
        let last = lastIndex(where: { !isSpace($0) })!
        return String(self[first...last])
    }

    /// Every occurrence of `target` replaced (Foundation-free).
    func replacingAll(_ target: Character, with replacement: String) -> String {
        var result = ""
        for character in self {
            if character == target { result += replacement } else { result.append(character) }
        }
        return result
    }
}
