import Foundation
import GRDB
import SharingDomain

// Conversions between domain values and SQLite columns. Ids are UInt64 in the
// domain and INTEGER (Int64) in SQLite; the bit pattern round-trips.

extension SharingID {
    var sql: Int64 { Int64(bitPattern: raw) }
    init(sql: Int64) { self.init(raw: UInt64(bitPattern: sql)) }
}

extension Timestamp {
    var sql: Int64 { millisecondsSinceEpoch }
    init(sql: Int64) { self.init(millisecondsSinceEpoch: sql) }
}

extension UInt64 {
    var sql: Int64 { Int64(bitPattern: self) }
}

/// A stored value that does not decode: the file was edited or is corrupt.
struct StoredValueError: Error, CustomStringConvertible {
    let description: String
}

extension Row {
    func language(_ column: String) throws -> Language {
        let text: String = self[column]
        guard let l = Language(rawValue: text) else { throw StoredValueError(description: "bad language \(text)") }
        return l
    }
}
