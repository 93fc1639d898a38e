import SharingDomain

/// A value bound to a statement parameter, independent of the database driver.
///
/// Ids are `UInt64` in the domain and signed 64-bit integers in SQL; the bit
/// pattern round-trips.
public enum SQLValue: Hashable, Sendable {
    case int(Int64)
    case text(String)
    case bytes([UInt8])
    case bool(Bool)
    case null
}

/// One statement with `?` placeholders and its arguments, in order.
///
/// The SQL texts are constants (a driver may cache its prepared statement by
/// the text) and contain no `?` other than the placeholders, so a driver whose
/// placeholders are `$1, $2, …` may rewrite them by position.
public struct SQLStatement: Hashable, Sendable {
    public let sql: String
    public let arguments: [SQLValue]
    public init(_ sql: String, _ arguments: [SQLValue] = []) {
        self.sql = sql
        self.arguments = arguments
    }
}

/// The columns of one fetched row, read by position. Each store adapts its
/// driver's row type; decoding into domain values is shared (``StateLoader``,
/// ``SharingSQL/event(_:)``…).
public protocol SQLRow {
    func int(_ column: Int) throws -> Int64
    func optionalInt(_ column: Int) throws -> Int64?
    func text(_ column: Int) throws -> String
    func optionalText(_ column: Int) throws -> String?
    func bytes(_ column: Int) throws -> [UInt8]
    func bool(_ column: Int) throws -> Bool
}

/// A stored value that does not decode: the database was edited or is corrupt.
public struct StoredValueError: Error, CustomStringConvertible {
    public let description: String
    public init(description: String) { self.description = description }
}

extension SharingID {
    var sqlValue: SQLValue { .int(Int64(bitPattern: raw)) }
    init(sqlInt: Int64) { self.init(raw: UInt64(bitPattern: sqlInt)) }
}

extension UInt64 {
    var sqlValue: SQLValue { .int(Int64(bitPattern: self)) }
    init(sqlInt: Int64) { self.init(bitPattern: sqlInt) }
}

extension Timestamp {
    var sqlValue: SQLValue { .int(millisecondsSinceEpoch) }
    init(sqlInt: Int64) { self.init(millisecondsSinceEpoch: sqlInt) }
}

extension Optional where Wrapped == String {
    var sqlValue: SQLValue { map(SQLValue.text) ?? .null }
}

extension SQLRow {
    func id<ID: SharingID>(_ column: Int, as type: ID.Type = ID.self) throws -> ID { ID(sqlInt: try int(column)) }
    func timestamp(_ column: Int) throws -> Timestamp { Timestamp(sqlInt: try int(column)) }
    func unsigned(_ column: Int) throws -> UInt64 { UInt64(sqlInt: try int(column)) }

    func language(_ column: Int) throws -> Language {
        let text = try text(column)
        guard let l = Language(rawValue: text) else { throw StoredValueError(description: "bad language \(text)") }
        return l
    }
}

/// The SQL type of a column of a multi-row statement
/// (``SharingSQL/multiRow(_:_:_:suffix:dialect:)``): what PostgreSQL casts
/// that column's bound array to.
enum SQLColumnType {
    case int, text, bool

    var postgresArray: String {
        switch self {
        case .int: "bigint[]"
        case .text: "text[]"
        case .bool: "boolean[]"
        }
    }
}

/// A PostgreSQL array literal (`{1,NULL,"a \"b\""}`) of one column's values,
/// bound as text and cast to the column's array type: the driver-neutral way
/// (``SQLValue`` has no array case) to send a whole column as one parameter.
enum SQLArrayLiteral {
    static func make(_ values: some Sequence<SQLValue>) -> String {
        var out = "{"
        var first = true
        for v in values {
            if !first { out.append(",") }
            first = false
            switch v {
            case let .int(i): out += String(i)
            case let .bool(b): out.append(b ? "t" : "f")
            case .null: out += "NULL"
            case let .text(t): quote(t, into: &out)
            case let .bytes(b):
                // bytea's hex input form, quoted (never used by the bulk statements today).
                out += "\"\\\\x"
                for byte in b {
                    let hex = String(byte, radix: 16)
                    if hex.count == 1 { out.append("0") }
                    out += hex
                }
                out.append("\"")
            }
        }
        out.append("}")
        return out
    }

    /// Every element quoted: `"` and `\` escaped with `\`, so no content
    /// (commas, braces, spaces, the word NULL) is read as syntax.
    private static func quote(_ t: String, into out: inout String) {
        out.append("\"")
        if t.utf8.contains(where: { $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
            for ch in t.unicodeScalars {
                if ch == "\"" || ch == "\\" { out.unicodeScalars.append("\\") }
                out.unicodeScalars.append(ch)
            }
        } else {
            out += t
        }
        out.append("\"")
    }
}
