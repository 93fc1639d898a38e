/// Numeric method ids for the fast path (`RequestHead.methodID`), mirroring
/// the `sharewire.v1.MethodId` enum in rpc.proto. Each id stands for exactly
/// one method path. `METHOD_ID_UNSPECIFIED` (0) has no case: 0 means "use the
/// path". Ranges: Health 1–9, Diagnostics 10–19, AccountService 100–109,
/// ContactService 110–129, DeviceService 130–149, SharingService 150–179,
/// CheckService 180–189, EventService and NotificationService 190–199.
public enum MethodID: UInt32, Sendable, Hashable, CaseIterable {
    /// `/sharewire.v1.Health/Check`
    case healthCheck = 1
    /// `/sharewire.v1.Health/Watch` (server streaming)
    case healthWatch = 2
    /// `/sharewire.v1.Diagnostics/Echo`
    case diagnosticsEcho = 10
    /// `/sharewire.v1.Diagnostics/EchoStream` (server streaming)
    case diagnosticsEchoStream = 11
    /// `/sharewire.v1.AccountService/CreateAccount` (service key only)
    case accountCreateAccount = 100
    /// `/sharewire.v1.AccountService/Whoami`
    case accountWhoami = 101
    /// `/sharewire.v1.ContactService/Create`
    case contactCreate = 110
    /// `/sharewire.v1.ContactService/Update`
    case contactUpdate = 111
    /// `/sharewire.v1.ContactService/Delete`
    case contactDelete = 112
    /// `/sharewire.v1.ContactService/List`
    case contactList = 113
    /// `/sharewire.v1.ContactService/Invite`
    case contactInvite = 114
    /// `/sharewire.v1.DeviceService/Register`
    case deviceRegister = 130
    /// `/sharewire.v1.DeviceService/Rename`
    case deviceRename = 131
    /// `/sharewire.v1.DeviceService/AddService`
    case deviceAddService = 132
    /// `/sharewire.v1.DeviceService/RemoveService`
    case deviceRemoveService = 133
    /// `/sharewire.v1.DeviceService/Get`
    case deviceGet = 134
    /// `/sharewire.v1.DeviceService/List`
    case deviceList = 135
    /// `/sharewire.v1.SharingService/Share`
    case sharingShare = 150
    /// `/sharewire.v1.SharingService/UpdateShare`
    case sharingUpdateShare = 151
    /// `/sharewire.v1.SharingService/RemoveShares`
    case sharingRemoveShares = 152
    /// `/sharewire.v1.SharingService/CommonSharees`
    case sharingCommonSharees = 153
    /// `/sharewire.v1.SharingService/Leave`
    case sharingLeave = 154
    /// `/sharewire.v1.SharingService/ListDeviceShares`
    case sharingListDeviceShares = 155
    /// `/sharewire.v1.SharingService/Transfer`
    case sharingTransfer = 156
    /// `/sharewire.v1.CheckService/Check`
    case checkCheck = 180
    /// `/sharewire.v1.CheckService/CheckScripting`
    case checkCheckScripting = 181
    /// `/sharewire.v1.CheckService/CheckBatch`
    case checkCheckBatch = 182
    /// `/sharewire.v1.EventService/ListEvents`
    case eventListEvents = 190
    /// `/sharewire.v1.NotificationService/WatchNotifications` (server streaming)
    case notificationWatchNotifications = 191
    /// `/sharewire.v1.NotificationService/AckNotifications`
    case notificationAckNotifications = 192

    /// The full method path this id stands for, e.g. `/sharewire.v1.SharingService/Share`.
    public var path: String {
        switch self {
        case .healthCheck: "/sharewire.v1.Health/Check"
        case .healthWatch: "/sharewire.v1.Health/Watch"
        case .diagnosticsEcho: "/sharewire.v1.Diagnostics/Echo"
        case .diagnosticsEchoStream: "/sharewire.v1.Diagnostics/EchoStream"
        case .accountCreateAccount: "/sharewire.v1.AccountService/CreateAccount"
        case .accountWhoami: "/sharewire.v1.AccountService/Whoami"
        case .contactCreate: "/sharewire.v1.ContactService/Create"
        case .contactUpdate: "/sharewire.v1.ContactService/Update"
        case .contactDelete: "/sharewire.v1.ContactService/Delete"
        case .contactList: "/sharewire.v1.ContactService/List"
        case .contactInvite: "/sharewire.v1.ContactService/Invite"
        case .deviceRegister: "/sharewire.v1.DeviceService/Register"
        case .deviceRename: "/sharewire.v1.DeviceService/Rename"
        case .deviceAddService: "/sharewire.v1.DeviceService/AddService"
        case .deviceRemoveService: "/sharewire.v1.DeviceService/RemoveService"
        case .deviceGet: "/sharewire.v1.DeviceService/Get"
        case .deviceList: "/sharewire.v1.DeviceService/List"
        case .sharingShare: "/sharewire.v1.SharingService/Share"
        case .sharingUpdateShare: "/sharewire.v1.SharingService/UpdateShare"
        case .sharingRemoveShares: "/sharewire.v1.SharingService/RemoveShares"
        case .sharingCommonSharees: "/sharewire.v1.SharingService/CommonSharees"
        case .sharingLeave: "/sharewire.v1.SharingService/Leave"
        case .sharingListDeviceShares: "/sharewire.v1.SharingService/ListDeviceShares"
        case .sharingTransfer: "/sharewire.v1.SharingService/Transfer"
        case .checkCheck: "/sharewire.v1.CheckService/Check"
        case .checkCheckScripting: "/sharewire.v1.CheckService/CheckScripting"
        case .checkCheckBatch: "/sharewire.v1.CheckService/CheckBatch"
        case .eventListEvents: "/sharewire.v1.EventService/ListEvents"
        case .notificationWatchNotifications: "/sharewire.v1.NotificationService/WatchNotifications"
        case .notificationAckNotifications: "/sharewire.v1.NotificationService/AckNotifications"
        }
    }

    /// Whether the method is server streaming (MESSAGE frames, then a final
    /// RESPONSE); otherwise it is unary (docs/PROTOCOL.md §6).
    public var isServerStreaming: Bool {
        switch self {
        case .healthWatch, .diagnosticsEchoStream, .notificationWatchNotifications: true
        default: false
        }
    }
}
