import Foundation
import GRDB
import SharingDomain
import SharingSQL

// The shared SQL (SharingSQL) over GRDB: its values as SQLite arguments, and
// GRDB rows read by position.

extension SQLValue {
    var databaseValue: DatabaseValue {
        switch self {
        case let .int(v): v.databaseValue
        case let .text(v): v.databaseValue
        case let .bytes(v): Data(v).databaseValue
        case let .bool(v): v.databaseValue
        case .null: .null
        }
    }
}

extension Database {
    /// Runs a shared statement through GRDB's statement cache.
    func execute(_ statement: SQLStatement) throws {
        try cachedStatement(sql: statement.sql).execute(arguments: statement.arguments.gRDBArguments)
    }

    /// Fetches the rows of a shared statement.
    func rows(_ statement: SQLStatement) throws -> RowCursor {
        try Row.fetchCursor(cachedStatement(sql: statement.sql), arguments: statement.arguments.gRDBArguments)
    }
}

extension [SQLValue] {
    var gRDBArguments: StatementArguments {
        StatementArguments(map { $0.databaseValue as (any DatabaseValueConvertible)? })
    }
}

extension Row: SQLRow {
    public func int(_ column: Int) throws -> Int64 { try decode(Int64.self, atIndex: column) }
    public func optionalInt(_ column: Int) throws -> Int64? { try decode(Int64?.self, atIndex: column) }
    public func text(_ column: Int) throws -> String { try decode(String.self, atIndex: column) }
    public func optionalText(_ column: Int) throws -> String? { try decode(String?.self, atIndex: column) }
    public func bytes(_ column: Int) throws -> [UInt8] { Array(try decode(Data.self, atIndex: column)) }
    public func bool(_ column: Int) throws -> Bool { try decode(Bool.self, atIndex: column) }
}
