import Foundation
import GRDB
import SharingSQL
import Testing

@testable import SharingStore

/// `Statement.run(binding:)`, the commit path's own binding of ``SQLValue``s
/// to SQLite: every kind of value reads back as GRDB would have bound it.
@Suite struct DirectBindingTests {
    @Test func valuesReadBackAsBound() async throws {
        try await withDataDir { dir in
            let store = try SharingStore(directory: dir)
            let values: [SQLValue] = [
                .int(Int64.min), .int(Int64.max), .int(0), .text(""), .text("é 日本 \"q\" ,{}"),
                .bytes([]), .bytes([0, 255, 1]), .bool(true), .bool(false), .null,
            ]
            try await store.pool.write { db in
                try db.execute(sql: "CREATE TEMP TABLE probe (pos INTEGER PRIMARY KEY, v)")
                let insert = SQLStatement(
                    "INSERT INTO probe (pos, v) VALUES "
                        + values.indices.map { _ in "(?, ?)" }.joined(separator: ", "),
                    values.enumerated().flatMap { [SQLValue.int(Int64($0.offset)), $0.element] })
                try db.execute(insert)
                // Twice through the cached statement: it is reset between runs.
                try db.execute(SQLStatement("DELETE FROM probe WHERE pos = ?", [.int(2)]))
                try db.execute(SQLStatement("DELETE FROM probe WHERE pos = ?", [.int(9)]))
            }
            let rows = try await store.pool.write { db in
                try Row.fetchAll(db, sql: "SELECT pos, typeof(v), v FROM probe ORDER BY pos")
            }
            #expect(rows.map { $0[0] as Int64 } == [0, 1, 3, 4, 5, 6, 7, 8])
            #expect(
                rows.map { $0[1] as String } == [
                    "integer", "integer", "text", "text", "blob", "blob", "integer", "integer",
                ])
            #expect(rows[0][2] as Int64 == Int64.min && rows[1][2] as Int64 == Int64.max)
            #expect(rows[2][2] as String == "" && rows[3][2] as String == "é 日本 \"q\" ,{}")
            #expect((rows[4][2] as Data).isEmpty && Array(rows[5][2] as Data) == [0, 255, 1])
            #expect(rows[6][2] as Int64 == 1 && rows[7][2] as Int64 == 0)
            try store.close()
        }
    }

    @Test func failuresThrowAndLeaveTheStatementUsable() async throws {
        try await withDataDir { dir in
            let store = try SharingStore(directory: dir)
            try await store.pool.write { db in
                try db.execute(sql: "CREATE TEMP TABLE probe (id INTEGER PRIMARY KEY)")
                let insert = "INSERT INTO probe (id) VALUES (?)"
                try db.execute(SQLStatement(insert, [.int(1)]))
                let duplicate = #expect(throws: DatabaseError.self) { try db.execute(SQLStatement(insert, [.int(1)])) }
                #expect(duplicate?.resultCode == .SQLITE_CONSTRAINT)
                let miscount = #expect(throws: DatabaseError.self) { try db.execute(SQLStatement(insert, [])) }
                #expect(miscount?.resultCode == .SQLITE_MISUSE)
                try db.execute(SQLStatement(insert, [.int(2)]))
                #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM probe") == 2)
            }
            try store.close()
        }
    }
}
