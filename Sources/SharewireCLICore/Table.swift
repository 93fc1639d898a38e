/// A plain-text table: a header row, then rows, columns padded to align.
///
/// ```
/// ID     NAME  SERVICES
/// dev_1  pi    ssh:22/tcp
/// ```
///
/// Widths count terminal cells, so Japanese text (two cells per character)
/// stays aligned. No color and no borders: output is the same on a terminal
/// and in a pipe, and easy to `grep` or `awk`. Cells are made single-line
/// (newlines and tabs become spaces); an empty cell prints as `-`.
public struct Table: Sendable, Hashable {
    /// Column titles, upper-case by convention.
    public var header: [String]
    /// Rows; a shorter row is padded with empty cells.
    public var rows: [[String]]

    /// A table with a header and rows.
    public init(header: [String], rows: [[String]] = []) {
        self.header = header
        self.rows = rows
    }

    /// Adds a row.
    public mutating func append(_ row: [String]) { rows.append(row) }

    /// The rendered table, one line per row, each ending in `\n`; the last
    /// column is not padded. Two spaces separate columns.
    public func render() -> String {
        let columns = max(header.count, rows.map(\.count).max() ?? 0)
        let all = ([header] + rows).map { row in
            (0..<columns).map { index -> String in
                let cell = index < row.count ? Self.singleLine(row[index]) : ""
                return cell.isEmpty ? "-" : cell
            }
        }
        var widths = [Int](repeating: 0, count: columns)
        for row in all {
            for (index, cell) in row.enumerated() { widths[index] = max(widths[index], Self.displayWidth(cell)) }
        }
        var text = ""
        for row in all {
            var line = ""
            for (index, cell) in row.enumerated() {
                line += cell
                if index < columns - 1 {
                    line += String(repeating: " ", count: widths[index] - Self.displayWidth(cell) + 2)
                }
            }
            text += line + "\n"
        }
        return text
    }

    /// Newlines, carriage returns and tabs replaced by spaces.
    static func singleLine(_ text: String) -> String {
        guard text.contains(where: { $0 == "\n" || $0 == "\r" || $0 == "\t" }) else { return text }
        return String(text.map { $0 == "\n" || $0 == "\r" || $0 == "\t" ? " " : $0 })
    }

    /// Terminal cells `text` takes: 2 for East Asian wide and fullwidth
    /// characters (CJK, kana, hangul, fullwidth forms), 0 for combining
    /// marks, else 1.
    public static func displayWidth(_ text: String) -> Int {
        var width = 0
        for character in text {
            guard let scalar = character.unicodeScalars.first else { continue }
            width += cellWidth(scalar.value)
        }
        return width
    }

    private static func cellWidth(_ value: UInt32) -> Int {
        switch value {
        case 0x0300...0x036F, 0x200B...0x200F: return 0
        case 0x1100...0x115F, 0x2E80...0x303E, 0x3041...0x33FF, 0x3400...0x4DBF, 0x4E00...0x9FFF, 0xA000...0xA4CF,
            0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE30...0xFE4F, 0xFF00...0xFF60, 0xFFE0...0xFFE6,
            0x1F300...0x1F64F, 0x1F900...0x1F9FF, 0x20000...0x3FFFD:
            return 2
        default: return 1
        }
    }
}
