import Logging
import PostgresNIO
import SharingSQL

// The shared SQL (SharingSQL) over postgres-nio: `?` placeholders become
// `$1, $2, …`, values become binds, and rows are read by position.

extension SQLStatement {
    var postgres: PostgresQuery {
        var binds = PostgresBindings(capacity: arguments.count)
        for a in arguments {
            switch a {
            case let .int(v): binds.append(v)
            case let .text(v): binds.append(v)
            case let .bytes(v): binds.append(ByteBuffer(bytes: v))
            case let .bool(v): binds.append(v)
            case .null: binds.appendNull()
            }
        }
        return PostgresQuery(unsafeSQL: Self.numbered(sql), binds: binds)
    }

    /// `?` → `$n`. The shared SQL has no `?` inside literals (see ``SQLStatement``).
    static func numbered(_ sql: String) -> String {
        guard sql.utf8.contains(UInt8(ascii: "?")) else { return sql }
        var out = ""
        out.reserveCapacity(sql.utf8.count + 16)
        var n = 0
        for ch in sql {
            if ch == "?" {
                n += 1
                out += "$\(n)"
            } else {
                out.append(ch)
            }
        }
        return out
    }
}

/// A fetched row, read by position.
struct PostgresSQLRow: SQLRow {
    let row: PostgresRandomAccessRow
    init(_ row: PostgresRow) { self.row = row.makeRandomAccess() }

    func int(_ column: Int) throws -> Int64 { try row[column].decode(Int64.self) }
    func optionalInt(_ column: Int) throws -> Int64? { try row[column].decode(Int64?.self) }
    func text(_ column: Int) throws -> String { try row[column].decode(String.self) }
    func optionalText(_ column: Int) throws -> String? { try row[column].decode(String?.self) }
    func bytes(_ column: Int) throws -> [UInt8] { Array(buffer: try row[column].decode(ByteBuffer.self)) }
    func bool(_ column: Int) throws -> Bool { try row[column].decode(Bool.self) }
}

extension PostgresConnection {
    func execute(_ statement: SQLStatement, logger: Logger) async throws {
        for try await _ in try await query(statement.postgres, logger: logger) {}
    }

    /// Runs `queries` in order, sent together: postgres-nio queues them on
    /// the connection and sends each as soon as the previous one is answered,
    /// on the event loop, so a batch of statements costs no task switch per
    /// statement. Waits for every answer; throws the first error (those after
    /// it fail too, in an aborted transaction). Returns each one's rows.
    @discardableResult
    func executeAll(_ queries: [PostgresQuery], logger: Logger) async throws -> [PostgresQueryResult] {
        let answers: [EventLoopFuture<PostgresQueryResult>] = queries.map { query($0, logger: logger) }
        var results: [PostgresQueryResult] = []
        var failure: (any Error)?
        for answer in answers {
            do { results.append(try await answer.get()) } catch { failure = failure ?? error }
        }
        if let failure { throw failure }
        return results
    }

    /// Feeds every row of `statement` to `body`, in order.
    func forEach(_ statement: SQLStatement, logger: Logger, _ body: (PostgresSQLRow) throws -> Void) async throws {
        for try await row in try await query(statement.postgres, logger: logger) { try body(PostgresSQLRow(row)) }
    }

    func fetch<T>(_ statement: SQLStatement, logger: Logger, _ decode: (PostgresSQLRow) throws -> T) async throws -> [T]
    {
        var out: [T] = []
        try await forEach(statement, logger: logger) { out.append(try decode($0)) }
        return out
    }
}
