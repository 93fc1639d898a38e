/// "Did you mean …?" for a mistyped command name.
public enum Suggestions {
    /// The candidates closest to `word`: those it is a prefix of, else those
    /// within a small edit distance (one edit per three letters, at least
    /// one; a swap of two neighbours counts as one), best first.
    public static func closest(to word: String, among candidates: [String]) -> [String] {
        let word = word.lowercased()
        guard !word.isEmpty else { return [] }
        let prefixed = candidates.filter { $0.hasPrefix(word) }
        if !prefixed.isEmpty { return prefixed }
        let limit = max(1, word.count / 3)
        let scored = candidates.map { ($0, distance(word, $0)) }.filter { $0.1 <= limit }
        guard let best = scored.map(\.1).min() else { return [] }
        return scored.filter { $0.1 == best }.map(\.0)
    }

    /// Optimal string alignment distance (Levenshtein plus adjacent swaps).
    public static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var table = [[Int]](repeating: [Int](repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in 0...a.count { table[i][0] = i }
        for j in 0...b.count { table[0][j] = j }
        for i in 1...a.count {
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                table[i][j] = min(table[i - 1][j] + 1, table[i][j - 1] + 1, table[i - 1][j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    table[i][j] = min(table[i][j], table[i - 2][j - 2] + 1)
                }
            }
        }
        return table[a.count][b.count]
    }

    /// `did you mean 'devices'?` / `did you mean 'list' or 'ls'?`; nil without candidates.
    public static func phrase(_ suggestions: [String]) -> String? {
        guard !suggestions.isEmpty else { return nil }
        let quoted = suggestions.map { "'\($0)'" }
        let list =
            quoted.count == 1
            ? quoted[0]
            : quoted.dropLast().joined(separator: ", ") + " or " + quoted.last!
        return "did you mean \(list)?"
    }
}
