import CSharewireProto

/// Request of `NotificationService/AckNotifications` (`sharewire.v1.AckNotificationsRequest`).
///
/// Service key only. Records that every notification through
/// `through_sequence` has been handled. The cursor never moves back.
public struct AckNotificationsRequest: ProtoMessage, Hashable {
    /// The highest sequence handled.
    public var throughSequence: UInt64

    /// Creates a message; every field defaults to its proto3 default.
    public init(throughSequence: UInt64 = 0) {
        self.throughSequence = throughSequence
    }
}

extension AckNotificationsRequest: CBridgedMessage {
    typealias CMessage = Sharewire__V1__AckNotificationsRequest
    static let cDescriptor = CMessageDescriptor(CMessage(), sharewire__v1__ack_notifications_request__init)

    var cArenaHint: Int { 0 }

    func fill(_ c: UnsafeMutablePointer<CMessage>, arena: inout CEncodingArena) {
        c.pointee.through_sequence = throughSequence
    }

    init(c: UnsafePointer<CMessage>) throws(ProtoDecodingError) {
        self.init(
            throughSequence: c.pointee.through_sequence)
    }
}
