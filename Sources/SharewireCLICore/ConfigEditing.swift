extension ConfigFile {
    /// `text` with `key` set to `value` (or removed, for `nil`) at the top
    /// level or in `profile`, every other line (comments included) kept as
    /// it was (lines end with "\n" afterwards, also in a CRLF file). A
    /// missing profile is appended as a new `[profiles.NAME]`.
    /// - Throws: `.config` if `text` is not a valid config file, or for an
    ///   unknown key or an invalid profile name.
    public static func editing(
        _ text: String, path: String = "config", profile: String?, key: String,
        value: String?
    ) throws(CLIError) -> String {
        _ = try ConfigFile(parsing: text, path: path)
        guard knownKeys.contains(key) else {
            throw CLIError(.usage, "unknown key '\(key)' (known: \(knownKeys.joined(separator: ", ")))")
        }
        if let profile, !isValidProfileName(profile) {
            throw CLIError(.usage, "invalid profile name '\(profile)': use letters, digits, - and _")
        }
        // Lines as the parser sees them; the result ends lines with "\n".
        var lines = text.configLines().map(String.init)
        if lines.last == "" { lines.removeLast() }

        // The target section's lines: [start, end).
        let headers = lines.indices.filter { lines[$0].trimmingWhitespace().hasPrefix("[") }
        let start: Int? =
            if let profile {
                headers.first { profileName(header: lines[$0].trimmingWhitespace()).map(String.init) == profile }
                    .map { $0 + 1 }
            } else {
                0
            }
        let end = start.flatMap { first in headers.first { $0 >= first } } ?? lines.count
        guard let start else {
            guard let value else { return text }
            if let last = lines.last, !last.trimmingWhitespace().isEmpty { lines.append("") }
            lines += ["[profiles.\(profile!)]", line(key: key, value: value)]
            return lines.joined(separator: "\n") + "\n"
        }
        let existing = (start..<end).first { index in
            let line = lines[index].trimmingWhitespace()
            guard !line.hasPrefix("#"), let equals = line.firstIndex(of: "=") else { return false }
            return line[..<equals].trimmingWhitespace() == key
        }
        switch (existing, value) {
        case let (index?, value?): lines[index] = line(key: key, value: value)
        case let (index?, nil): lines.remove(at: index)
        case let (nil, value?):
            // After the section's last setting, before the blank lines that separate it from the next.
            var at = end
            while at > start, lines[at - 1].trimmingWhitespace().isEmpty { at -= 1 }
            lines.insert(line(key: key, value: value), at: at)
        case (nil, nil): break
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
