import CSharewireProto

/// Request of `NotificationService/WatchNotifications` (`sharewire.v1.WatchNotificationsRequest`).
///
/// Service key only (the notification sender). Streams the outbox: first
/// every stored notification with a sequence above
/// max(after_sequence, acknowledged cursor), then new ones as they are
/// committed, in sequence order. The stream ends only by CANCEL, deadline
/// or the server's maximum call duration; call again to resume.
public struct WatchNotificationsRequest: ProtoMessage, Hashable {
    /// Resume cursor: the last sequence the caller has seen; 0 = start after
    /// the acknowledged cursor.
    public var afterSequence: UInt64
    /// Answer from a state that includes at least this revision; 0 means any
    /// (see common.proto, "Revisions").
    public var minRevision: UInt64

    /// Creates a message; every field defaults to its proto3 default.
    public init(afterSequence: UInt64 = 0, minRevision: UInt64 = 0) {
        self.afterSequence = afterSequence
        self.minRevision = minRevision
    }
}

extension WatchNotificationsRequest: CBridgedMessage {
    typealias CMessage = Sharewire__V1__WatchNotificationsRequest
    static let cDescriptor = CMessageDescriptor(CMessage(), sharewire__v1__watch_notifications_request__init)

    var cArenaHint: Int { 0 }

    func fill(_ c: UnsafeMutablePointer<CMessage>, arena: inout CEncodingArena) {
        c.pointee.after_sequence = afterSequence
        c.pointee.min_revision = minRevision
    }

    init(c: UnsafePointer<CMessage>) throws(ProtoDecodingError) {
        self.init(
            afterSequence: c.pointee.after_sequence,
            minRevision: c.pointee.min_revision)
    }
}
