import Logging
import PostgresNIO
import SharingDomain
import SharingSQL

extension PostgresSharingStore {
    /// Writes a whole batch (``SharingSQL/statements(for:)``) in one transaction.
    public func commit(_ batch: CommitBatch) async throws {
        let statements = SharingSQL.statements(for: batch)
        try await bounded { [client, logger] in
            try await client.withTransaction(logger: logger) { c in
                for statement in statements { try await c.execute(statement, logger: logger) }
            }
        }
    }

    /// Reads every row into a ``SharingState``, from one consistent snapshot.
    public func loadState(limits: Limits) async throws -> SharingState {
        try await bounded { [client, logger] in
            try await client.withTransaction(logger: logger) { c in
                try await c.execute(SQLStatement("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY"), logger: logger)
                var loader = StateLoader()
                for table in StateLoader.Table.allCases {
                    try await c.forEach(SQLStatement(table.sql), logger: logger) { try loader.add($0, from: table) }
                }
                return try loader.state(limits: limits)
            }
        }
    }

    /// Events concerning `query.caller`, filtered, in id order, at most `pageSize + 1`.
    public func events(_ query: EventQuery) async throws -> [Event] {
        try await bounded { [client, logger] in
            try await client.withConnection { c in
                var assembler = SharingSQL.EventAssembler()
                try await c.forEach(SharingSQL.events(query), logger: logger) { try assembler.addEvent($0) }
                // Events and their members commit together: no snapshot needed.
                if let members = SharingSQL.eventMembers(assembler.ids) {
                    try await c.forEach(members, logger: logger) { try assembler.addMember($0) }
                }
                return assembler.events
            }
        }
    }

    /// Outbox entries after `sequence`, in order.
    public func notifications(after sequence: UInt64, limit: Int) async throws -> [OutboxNotification] {
        try await bounded { [client, logger] in
            try await client.withConnection { c in
                try await c.fetch(SharingSQL.notifications(after: sequence, limit: limit), logger: logger) {
                    try SharingSQL.notification($0)
                }
            }
        }
    }

    /// Moves one consumer's cursor forward (never back).
    public func acknowledgeNotifications(through sequence: UInt64, consumer: NotificationConsumer) async throws {
        try await bounded { [client, logger] in
            try await client.withConnection {
                try await $0.execute(SharingSQL.acknowledge(through: sequence, consumer: consumer), logger: logger)
            }
        }
    }

    /// One consumer's cursor; 0 when it acknowledged nothing yet.
    public func acknowledgedNotificationSequence(consumer: NotificationConsumer) async throws -> UInt64 {
        try await bounded { [client, logger] in
            try await client.withConnection { c in
                UInt64(bitPattern: try await c.fetch(SharingSQL.acknowledged(consumer: consumer), logger: logger) {
                    try $0.int(0)
                }.first ?? 0)
            }
        }
    }
}
