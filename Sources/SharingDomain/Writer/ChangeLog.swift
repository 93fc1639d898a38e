/// One committed group-commit batch as the change log holds it: what another
/// instance needs to bring its snapshot from `firstRevision - 1` to
/// `revision` without reloading.
///
/// The mutations are full row images in the order the rules produced them,
/// so replaying them (``SharingState/replaying(_:)``) goes through the same
/// index maintenance the rules use and ends in the state the writing
/// instance published. Events and notifications are not in it: they live in
/// storage only (see ``SharingEventLog``).
public struct ChangeLogEntry: Hashable, Sendable, Codable {
    /// The revision of the batch's first write.
    public let firstRevision: UInt64
    /// The revision after the batch (its last write).
    public let revision: UInt64
    /// The id counters after the batch.
    public let counters: IDCounters
    public let mutations: [Mutation]

    public init(firstRevision: UInt64, revision: UInt64, counters: IDCounters, mutations: [Mutation]) {
        self.firstRevision = firstRevision
        self.revision = revision
        self.counters = counters
        self.mutations = mutations
    }

    /// The entry of `batch` committed on top of a state at `base`.
    public init(batch: CommitBatch, base: UInt64) {
        self.init(
            firstRevision: base + 1, revision: batch.revision, counters: batch.counters,
            mutations: batch.changes.mutations)
    }
}

/// The change log skips revisions this state needs (entries pruned, or a
/// writer that does not log): catch up by reloading the whole state instead.
public struct ChangeLogGap: Error, CustomStringConvertible {
    public let stateRevision: UInt64
    public let entryFirstRevision: UInt64
    public var description: String {
        "change log gap: state at revision \(stateRevision), next entry starts at \(entryFirstRevision)"
    }
}

extension SharingState {
    /// This state with `entry` applied: the next batch of another writer.
    ///
    /// Pure, like ``apply(_:actor:at:)``. Service mutations need nothing here:
    /// every service change also puts the whole device, and every share that
    /// loses a service is put again.
    ///
    /// - Throws: ``ChangeLogGap`` unless the entry starts right after this
    ///   state's revision.
    public func replaying(_ entry: ChangeLogEntry) throws(ChangeLogGap) -> SharingState {
        guard entry.firstRevision == revision + 1, entry.revision >= entry.firstRevision else {
            throw ChangeLogGap(stateRevision: revision, entryFirstRevision: entry.firstRevision)
        }
        var s = self
        for m in entry.mutations {
            switch m {
            case let .putAccount(a): s.putAccount(a)
            case let .putContact(c): s.putContact(c)
            case let .deleteContact(id): if let c = s.contacts[id] { s.removeContact(c) }
            case let .putDevice(d): s.putDevice(d)
            case .putService, .deleteService: break
            case let .putShare(sh, _): s.putShare(sh)
            case let .deleteShare(key): s.removeShare(key)
            case let .putAPIKey(k): s.putAPIKey(k)
            case let .deleteAPIKey(id): if let k = s.apiKeys[id] { s.removeAPIKey(k) }
            case let .deleteDevice(id): s.removeDevice(id)
            case let .deleteAccount(id): s.removeAccount(id)
            }
        }
        s.revision = entry.revision
        s.counters = entry.counters
        return s
    }

    /// Whether two states hold the same rows, revision and counters (indexes
    /// follow from the rows). For tests and consistency checks across instances.
    public func sameContent(as other: SharingState) -> Bool {
        revision == other.revision && counters == other.counters && accounts == other.accounts
            && apiKeys == other.apiKeys && contacts == other.contacts && devices == other.devices
            && shares == other.shares
    }
}
