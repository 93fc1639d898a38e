import CSharewireProto

/// One streamed message of `NotificationService/WatchNotifications` (`sharewire.v1.WatchNotificationsResponse`).
///
/// One MESSAGE frame of the stream: a batch of consecutive notifications.
public struct WatchNotificationsResponse: ProtoMessage, Hashable {
    /// In sequence order; at least one.
    public var notifications: [NotificationEntry]

    /// Creates a message; every field defaults to its proto3 default.
    public init(notifications: [NotificationEntry] = []) {
        self.notifications = notifications
    }
}

extension WatchNotificationsResponse: CBridgedMessage {
    typealias CMessage = Sharewire__V1__WatchNotificationsResponse
    static let cDescriptor = CMessageDescriptor(CMessage(), sharewire__v1__watch_notifications_response__init)

    var cArenaHint: Int { CEncodingArena.hint(repeated: notifications) }

    func fill(_ c: UnsafeMutablePointer<CMessage>, arena: inout CEncodingArena) {
        (c.pointee.n_notifications, c.pointee.notifications) = arena.repeated(notifications, field: "notifications")
    }

    init(c: UnsafePointer<CMessage>) throws(ProtoDecodingError) {
        self.init(
            notifications: try CDecoding.repeated(c.pointee.n_notifications, c.pointee.notifications, of: NotificationEntry.self, field: "notifications"))
    }
}
