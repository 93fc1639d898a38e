import GRDB
import SharingDomain
import SharingSQL

extension SharingStore {
    /// Reads every row into a ``SharingState`` (start-up, and after a failed commit).
    public func loadState(limits: Limits) async throws -> SharingState {
        try await pool.read { db in
            var loader = StateLoader()
            for table in StateLoader.Table.allCases {
                let rows = try Row.fetchCursor(db, sql: table.sql)
                while let row = try rows.next() { try loader.add(row, from: table) }
            }
            return try loader.state(limits: limits)
        }
    }
}
