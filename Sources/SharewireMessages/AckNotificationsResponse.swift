import CSharewireProto

/// Response of `NotificationService/AckNotifications` (`sharewire.v1.AckNotificationsResponse`).
public struct AckNotificationsResponse: ProtoMessage, Hashable {
    /// The acknowledged cursor after this call (>= through_sequence).
    public var acknowledgedSequence: UInt64

    /// Creates a message; every field defaults to its proto3 default.
    public init(acknowledgedSequence: UInt64 = 0) {
        self.acknowledgedSequence = acknowledgedSequence
    }
}

extension AckNotificationsResponse: CBridgedMessage {
    typealias CMessage = Sharewire__V1__AckNotificationsResponse
    static let cDescriptor = CMessageDescriptor(CMessage(), sharewire__v1__ack_notifications_response__init)

    var cArenaHint: Int { 0 }

    func fill(_ c: UnsafeMutablePointer<CMessage>, arena: inout CEncodingArena) {
        c.pointee.acknowledged_sequence = acknowledgedSequence
    }

    init(c: UnsafePointer<CMessage>) throws(ProtoDecodingError) {
        self.init(
            acknowledgedSequence: c.pointee.acknowledged_sequence)
    }
}
