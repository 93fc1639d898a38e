internal import SharewireMessages
internal import SharewireRPC

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// One change of one account's access to one device, from
/// ``SharewireClient/watchAccessChanges(after:options:)``.
public struct AccessChange: Sendable, Hashable, Codable, CustomStringConvertible {
    /// Why the access changed.
    public enum Kind: String, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
        /// The owner shared the device with the user.
        case shareCreated = "share.created"
        /// The owner changed the user's access or its expiry.
        case shareUpdated = "share.updated"
        /// The owner removed the share (or deleted the contact).
        case shareRemoved = "share.removed"
        /// The user left the device.
        case shareLeft = "share.left"
        /// The share reached its expiry.
        case shareExpired = "share.expired"
        /// The device went to another owner.
        case deviceTransferred = "device.transferred"
        /// A service the share named was removed from the device.
        case serviceRemoved = "service.removed"
        /// The device was deleted.
        case deviceDeleted = "device.deleted"
        /// The owner's or the user's account was deleted.
        case accountDeleted = "account.deleted"

        /// The dotted name, e.g. `share.removed`.
        public var description: String { rawValue }
    }

    /// What the user may reach from this change on.
    public enum Grant: Sendable, Hashable, Codable {
        /// Nothing: end the user's sessions to the device.
        case none
        /// The owner: everything.
        case owner
        /// A recipient with this access, until `expiresAt` if any.
        case shared(ShareAccess, scripting: Bool, expiresAt: Date?)
    }

    /// The write that made the change.
    public var revision: Revision
    /// Its place among the changes of `revision`.
    public var position: Int
    /// When it was written.
    public var at: Date
    public var deviceID: String
    /// The account whose access changed.
    public var userID: String
    /// The device's owner when it changed (the new owner for a transfer).
    public var ownerID: String
    public var kind: Kind
    public var grant: Grant

    /// `r12 dev_1 acc_2 share.removed: none`.
    public var description: String {
        let what: String =
            switch grant {
            case .none: "none"
            case .owner: "owner"
            case let .shared(access, scripting, expiresAt):
                "\(access)" + (scripting ? "; scripts" : "") + (expiresAt.map { " until \($0)" } ?? "")
            }
        return "\(revision) \(deviceID) \(userID) \(kind): \(what)"
    }
}

/// One message of the access-change feed: changes, and the revision through
/// which every change has been delivered (the resume cursor).
public struct AccessChangeBatch: Sendable, Hashable, Codable {
    /// In (revision, position) order; empty for a progress message.
    public var changes: [AccessChange]
    /// Resume with ``SharewireClient/watchAccessChanges(after:options:)`` from here.
    public var throughRevision: Revision
}

extension SharewireClient {
    /// Follows every change that grants or revokes access (share created,
    /// updated, removed, left or expired, device transferred, service
    /// removed, device or account deleted), for services that hold live
    /// sessions: first the changes retained after `revision`, then new ones as
    /// they are committed.
    ///
    /// An account sees the changes on devices it owns and of its own access;
    /// the service key (without act-as) sees all. Pass the revision of a read
    /// of the state (e.g. ``listDevices(pageSize:pageToken:options:)``), or nil to start at the
    /// current revision (the first batch tells it).
    ///
    /// ```swift
    /// for try await batch in client.watchAccessChanges(after: listing.revision) {
    ///     for change in batch.changes where change.grant == .none { broker.close(change.userID, change.deviceID) }
    ///     cursor = batch.throughRevision
    /// }
    /// ```
    ///
    /// Reconnects by itself after a broken connection and resumes after the
    /// last batch, skipping changes already delivered. Fails with
    /// FAILED_PRECONDITION `ACCESS_CURSOR_EXPIRED` when the server no longer
    /// keeps the changes after `revision` (re-read the state, watch from its
    /// revision), OUT_OF_RANGE `ACCESS_CURSOR_UNKNOWN` for a revision the
    /// server has not written.
    public func watchAccessChanges(after revision: Revision?, options: CallOptions = .default) -> AccessChangeStream {
        AccessChangeStream(client: self, after: revision, options: options)
    }
}

/// The method an ``AccessChangeStream`` calls.
private typealias WatchAccess = Sharewire_V1.EventService.Method.WatchAccessChanges

/// The batches of ``SharewireClient/watchAccessChanges(after:options:)``.
public struct AccessChangeStream: AsyncSequence, Sendable {
    public typealias Element = AccessChangeBatch
    let client: SharewireClient
    let after: Revision?
    let options: CallOptions

    /// Starts the call on the first `next()`.
    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(client: client, after: after, options: options)
    }

    /// Reads the stream, reconnecting after a broken connection.
    public struct AsyncIterator: AsyncIteratorProtocol {
        let client: SharewireClient
        /// Where a reconnect resumes; nil until the first batch when starting at the latest.
        var through: UInt64?
        /// The last change delivered, to skip it and those before after a resume.
        var last: (revision: UInt64, position: Int)?
        var core: ResumingStream<WatchAccessChangesResponse>

        init(client: SharewireClient, after: Revision?, options: CallOptions) {
            self.client = client
            self.through = after?.rawValue
            self.core = ResumingStream(
                client: client, options: options,
                idempotent: WatchAccess.descriptor.idempotency.allowsRetry)
        }

        /// The next batch; nil when the server ended the stream.
        public mutating func next() async throws(SharewireError) -> AccessChangeBatch? {
            let request = WatchAccessChangesRequest(afterRevision: through ?? 0, fromLatest: through == nil)
            let stubs = client.stubs
            guard
                let message = try await core.next({ options throws(SharewireError) in
                    try await stubs.events.watchAccessChanges(request, options: options)
                })
            else { return nil }
            let fresh = message.changes.filter { c in
                guard let last else { return true }
                return (c.revision, Int(c.position)) > last
            }
            if let newest = fresh.last { last = (newest.revision, Int(newest.position)) }
            through = Swift.max(through ?? 0, message.throughRevision)
            return AccessChangeBatch(
                changes: fresh.map(AccessChange.init), throughRevision: Revision(message.throughRevision))
        }
    }
}

extension AccessChange {
    init(_ c: SharewireMessages.AccessChange) {
        let grant: Grant =
            switch c.level {
            case .owner: .owner
            case .shared:
                .shared(
                    ShareAccess.from(c.access).0, scripting: c.access.scripting,
                    expiresAt: c.expiresAtMs == 0 ? nil : Date(milliseconds: c.expiresAtMs))
            default: .none
            }
        self.init(
            revision: Revision(c.revision), position: Int(c.position), at: Date(milliseconds: c.atMs),
            deviceID: c.deviceID, userID: c.userID, ownerID: c.ownerID, kind: Kind(c.kind), grant: grant)
    }
}

extension AccessChange.Kind {
    init(_ kind: AccessChangeKind) {
        switch kind {
        case .shareCreated: self = .shareCreated
        case .shareUpdated: self = .shareUpdated
        case .shareLeft: self = .shareLeft
        case .shareExpired: self = .shareExpired
        case .deviceTransferred: self = .deviceTransferred
        case .serviceRemoved: self = .serviceRemoved
        case .deviceDeleted: self = .deviceDeleted
        case .accountDeleted: self = .accountDeleted
        default: self = .shareRemoved
        }
    }
}
