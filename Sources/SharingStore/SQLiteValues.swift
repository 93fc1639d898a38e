import Foundation
import GRDB
import GRDBSQLite
import SharingDomain
import SharingSQL

// The shared SQL (SharingSQL) over GRDB: its values bound straight to
// SQLite's prepared statements, and GRDB rows read by position.

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
    /// Runs a shared statement through GRDB's statement cache, its values
    /// bound with `sqlite3_bind_*` (``GRDB/Statement/run(binding:)``).
    func execute(_ statement: SQLStatement) throws {
        try cachedStatement(sql: statement.sql).run(binding: statement.arguments)
    }

    /// Fetches the rows of a shared statement.
    func rows(_ statement: SQLStatement) throws -> RowCursor {
        try Row.fetchCursor(cachedStatement(sql: statement.sql), arguments: statement.arguments.gRDBArguments)
    }
}

extension Statement {
    /// Binds `values` to the statement's `?` placeholders in order and steps
    /// it to the end, skipping GRDB's `StatementArguments` (a `DatabaseValue`
    /// existential per value: 7.7% of the CPU of a bulk share's commit).
    /// For the write statements of a commit only; reads keep GRDB's cursors.
    ///
    /// Why bypassing `execute(arguments:)` is safe here:
    /// - It runs on GRDB's writer queue, inside the `pool.write` closure that
    ///   owns `self` (GRDB checks the queue when the statement is fetched from
    ///   its cache), so nothing else uses the handle meanwhile.
    /// - Text and blobs are bound with `SQLITE_TRANSIENT`: SQLite copies them
    ///   before the bind returns, so no Swift buffer needs to outlive the call.
    /// - GRDB's per-statement hooks that this skips do nothing for the store:
    ///   no transaction observers or value observation are registered, and
    ///   the statements never begin or end a transaction, so GRDB's view of
    ///   the transaction state stays right. A failure throws a
    ///   `DatabaseError` with SQLite's code and message, and the `pool.write`
    ///   transaction rolls back as before.
    /// - The statement is reset and its bindings cleared before (a cached
    ///   statement keeps its last run's state) and after (no copy of the
    ///   values lingers, no statement stays busy).
    func run(binding values: [SQLValue]) throws {
        let handle = sqliteStatement
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
        defer {
            sqlite3_reset(handle)
            sqlite3_clear_bindings(handle)
        }
        guard values.count == Int(sqlite3_bind_parameter_count(handle)) else {
            throw DatabaseError(
                resultCode: .SQLITE_MISUSE,
                message: "\(values.count) values for \(sqlite3_bind_parameter_count(handle)) parameters", sql: sql)
        }
        var index: CInt = 1
        for value in values {
            let code = Self.bind(value, to: handle, at: index)
            guard code == SQLITE_OK else { throw failure(code) }
            index += 1
        }
        while true {
            switch sqlite3_step(handle) {
            case SQLITE_DONE: return
            case SQLITE_ROW: continue
            case let code: throw failure(code)
            }
        }
    }

    private static func bind(_ value: SQLValue, to handle: SQLiteStatement, at index: CInt) -> CInt {
        switch value {
        case let .int(v): return sqlite3_bind_int64(handle, index, v)
        case let .bool(v): return sqlite3_bind_int64(handle, index, v ? 1 : 0)
        case .null: return sqlite3_bind_null(handle, index)
        case var .text(v):
            // `withUTF8` is free for a native string. An empty buffer may have
            // no base address, and a NULL pointer would bind SQL NULL.
            return v.withUTF8 { utf8 in
                guard let base = utf8.baseAddress, !utf8.isEmpty else {
                    return sqlite3_bind_text(handle, index, "", 0, transient)
                }
                return base.withMemoryRebound(to: CChar.self, capacity: utf8.count) {
                    sqlite3_bind_text(handle, index, $0, CInt(utf8.count), transient)
                }
            }
        case let .bytes(v):
            guard !v.isEmpty else { return sqlite3_bind_zeroblob(handle, index, 0) }
            return v.withUnsafeBytes { sqlite3_bind_blob(handle, index, $0.baseAddress, CInt($0.count), transient) }
        }
    }

    /// SQLite's `SQLITE_TRANSIENT` (the C macro `((sqlite3_destructor_type)-1)`
    /// does not import): copy the value before the bind returns.
    private static var transient: sqlite3_destructor_type {
        unsafeBitCast(OpaquePointer(bitPattern: -1), to: sqlite3_destructor_type.self)
    }

    /// The error of a failed bind or step (`code`, made extended when the
    /// connection's last error is the same one), read before the reset.
    private func failure(_ code: CInt) -> DatabaseError {
        let db = sqlite3_db_handle(sqliteStatement)
        let extended = sqlite3_extended_errcode(db)
        return DatabaseError(
            resultCode: ResultCode(rawValue: extended & 0xff == code ? extended : code),
            message: String(cString: sqlite3_errmsg(db)), sql: sql)
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
