import Foundation
import SharingDomain

/// The stored body of a cluster change-log entry (docs/SERVER.md §11, "The
/// change log"), in its compact binary form: `b1:` then the Base64 of
///
/// - the first revision, the revision, the seven id counters (account,
///   contact, device, service, event, notification, API key), the batch
///   token (a string), the number of mutations, then each mutation: a tag
///   byte and its fields in declaration order.
///
/// Unsigned integers are LEB128 varints, timestamps (milliseconds) zigzag
/// varints, strings a varint byte count and UTF-8, an optional a `0`/`1`
/// byte before the value, a bool one byte, a share's services a count and
/// the ids in ascending order. Base64 because the column is `text` (no NUL
/// bytes, valid UTF-8). Encoding and decoding it costs a small fraction of
/// the JSON form it replaced (`JSONEncoder`/`JSONDecoder` over the
/// synthesized `Codable`), which bodies starting with `{` still use and are
/// still read.
enum ChangeLogCodec {
    /// What starts a binary body (a JSON body starts with `{`).
    static let prefix = "b1:"

    enum Tag: UInt8 {
        // Stored values: never renumber; a new kind takes the next number.
        case putAccount = 0
        case putContact, deleteContact, putDevice, putService, deleteService
        case putShare, deleteShare, putAPIKey, deleteAPIKey, deleteDevice, deleteAccount
    }

    static func encode(_ entry: ChangeLogEntry, batchToken: String) -> String {
        var w = Writer()
        w.bytes.reserveCapacity(64 + entry.mutations.count * 48)
        w.uint(entry.firstRevision)
        w.uint(entry.revision)
        let c = entry.counters
        for v in [c.account, c.contact, c.device, c.service, c.event, c.notification, c.apiKey] { w.uint(v) }
        w.string(batchToken)
        w.uint(UInt64(entry.mutations.count))
        for m in entry.mutations { w.mutation(m) }
        return prefix + Data(w.bytes).base64EncodedString()
    }

    /// Decodes a body ``encode(_:batchToken:)`` wrote.
    static func decode(_ body: Substring) throws -> ChangeLogEntry {
        guard let data = Data(base64Encoded: String(body)) else {
            throw StoredValueError(description: "bad change log entry: not Base64")
        }
        return try data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) throws -> ChangeLogEntry in
            var r = Reader(bytes: raw)
            let first = try r.uint(), revision = try r.uint()
            var c = IDCounters()
            c.account = try r.uint()
            c.contact = try r.uint()
            c.device = try r.uint()
            c.service = try r.uint()
            c.event = try r.uint()
            c.notification = try r.uint()
            c.apiKey = try r.uint()
            _ = try r.string()  // the batch token: only the writer's outcome check reads it (from the body)
            let count = try r.count()
            var mutations: [Mutation] = []
            mutations.reserveCapacity(count)
            for _ in 0..<count { mutations.append(try r.mutation()) }
            guard r.offset == raw.count else { throw r.bad("trailing bytes") }
            return ChangeLogEntry(firstRevision: first, revision: revision, counters: c, mutations: mutations)
        }
    }

    struct Writer {
        var bytes: [UInt8] = []

        mutating func uint(_ v: UInt64) {
            var v = v
            while v >= 0x80 {
                bytes.append(UInt8(truncatingIfNeeded: v) | 0x80)
                v >>= 7
            }
            bytes.append(UInt8(v))
        }
        mutating func id(_ v: some SharingID) { uint(v.raw) }
        mutating func time(_ t: Timestamp) {
            let v = t.millisecondsSinceEpoch
            uint(UInt64(bitPattern: (v << 1) ^ (v >> 63)))
        }
        mutating func string(_ s: String) {
            var s = s
            s.withUTF8 { u in
                uint(UInt64(u.count))
                bytes.append(contentsOf: u)
            }
        }
        mutating func bool(_ b: Bool) { bytes.append(b ? 1 : 0) }
        mutating func optional<T>(_ v: T?, _ write: (inout Writer, T) -> Void) {
            bool(v != nil)
            if let v { write(&self, v) }
        }

        mutating func mutation(_ m: Mutation) {
            switch m {
            case let .putAccount(a):
                tag(.putAccount)
                id(a.id)
                string(a.email.value)
                string(a.language.rawValue)
                time(a.createdAt)
            case let .putContact(c):
                tag(.putContact)
                id(c.id)
                id(c.owner)
                string(c.email.value)
                optional(c.firstName) { $0.string($1) }
                optional(c.lastName) { $0.string($1) }
                optional(c.company) { $0.string($1) }
                string(c.language.rawValue)
                optional(c.invitedAt) { $0.time($1) }
                time(c.createdAt)
                time(c.updatedAt)
            case let .deleteContact(i):
                tag(.deleteContact)
                id(i)
            case let .putDevice(d):
                tag(.putDevice)
                id(d.id)
                id(d.owner)
                string(d.name)
                uint(UInt64(d.services.count))
                for s in d.services { service(s) }
                time(d.createdAt)
                time(d.updatedAt)
            case let .putService(device, s):
                tag(.putService)
                id(device)
                service(s)
            case let .deleteService(i):
                tag(.deleteService)
                id(i)
            case let .putShare(s, _):
                // hadPorts is not logged: it only spares the writer a statement.
                tag(.putShare)
                id(s.device)
                id(s.user)
                string(s.access.mode.rawValue)
                uint(UInt64(s.access.services.count))
                for svc in s.access.services.sorted() { id(svc) }
                bool(s.access.scripting)
                time(s.createdAt)
                time(s.updatedAt)
                optional(s.expiresAt) { $0.time($1) }
                optional(s.acceptBy) { $0.time($1) }
            case let .deleteShare(k):
                tag(.deleteShare)
                id(k.device)
                id(k.user)
            case let .putAPIKey(k):
                tag(.putAPIKey)
                id(k.id)
                id(k.account)
                string(k.name)
                uint(UInt64(k.hash.bytes.count))
                bytes.append(contentsOf: k.hash.bytes)
                time(k.createdAt)
            case let .deleteAPIKey(i):
                tag(.deleteAPIKey)
                id(i)
            case let .deleteDevice(i):
                tag(.deleteDevice)
                id(i)
            case let .deleteAccount(i):
                tag(.deleteAccount)
                id(i)
            }
        }
        private mutating func tag(_ t: Tag) { bytes.append(t.rawValue) }
        private mutating func service(_ s: Service) {
            id(s.id)
            string(s.name)
            uint(UInt64(s.port))
            string(s.protocol)
        }
    }

    struct Reader {
        let bytes: UnsafeRawBufferPointer
        var offset = 0

        func bad(_ what: String) -> StoredValueError {
            StoredValueError(description: "bad change log entry: \(what) at byte \(offset)")
        }
        mutating func byte() throws(StoredValueError) -> UInt8 {
            guard offset < bytes.count else { throw bad("truncated") }
            defer { offset += 1 }
            return bytes[offset]
        }
        mutating func uint() throws(StoredValueError) -> UInt64 {
            var v: UInt64 = 0
            var shift: UInt64 = 0
            while true {
                let b = try byte()
                guard shift < 64, shift < 63 || b <= 1 else { throw bad("varint too long") }
                v |= UInt64(b & 0x7f) << shift
                if b < 0x80 { return v }
                shift += 7
            }
        }
        /// A count of things each at least one byte long (bounds allocations by the input).
        mutating func count() throws(StoredValueError) -> Int {
            let n = try uint()
            guard n <= UInt64(bytes.count - offset) else { throw bad("count \(n) past the end") }
            return Int(n)
        }
        mutating func id<ID: SharingID>(_: ID.Type = ID.self) throws(StoredValueError) -> ID { ID(raw: try uint()) }
        mutating func time() throws(StoredValueError) -> Timestamp {
            let v = try uint()
            return Timestamp(millisecondsSinceEpoch: Int64(bitPattern: (v >> 1) ^ (0 &- (v & 1))))
        }
        mutating func raw() throws(StoredValueError) -> UnsafeRawBufferPointer {
            let n = try count()
            defer { offset += n }
            return UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + n])
        }
        mutating func string() throws(StoredValueError) -> String { String(decoding: try raw(), as: UTF8.self) }
        mutating func bool() throws(StoredValueError) -> Bool {
            switch try byte() {
            case 0: false
            case 1: true
            case let b: throw bad("bool \(b)")
            }
        }
        mutating func optionalString() throws(StoredValueError) -> String? { try bool() ? try string() : nil }
        mutating func optionalTime() throws(StoredValueError) -> Timestamp? { try bool() ? try time() : nil }
        mutating func language() throws(StoredValueError) -> Language {
            let text = try string()
            guard let l = Language(rawValue: text) else { throw bad("language \(text)") }
            return l
        }

        mutating func mutation() throws(StoredValueError) -> Mutation {
            let b = try byte()
            guard let tag = Tag(rawValue: b) else { throw bad("mutation tag \(b)") }
            switch tag {
            case .putAccount:
                return .putAccount(
                    Account(
                        id: try id(), email: Email(trusted: try string()), language: try language(),
                        createdAt: try time()))
            case .putContact:
                return .putContact(
                    Contact(
                        id: try id(), owner: try id(), email: Email(trusted: try string()),
                        firstName: try optionalString(), lastName: try optionalString(),
                        company: try optionalString(), language: try language(), invitedAt: try optionalTime(),
                        createdAt: try time(), updatedAt: try time()))
            case .deleteContact:
                return .deleteContact(try id())
            case .putDevice:
                let device: DeviceID = try id(), owner: AccountID = try id(), name = try string()
                let n = try count()
                var services: [Service] = []
                services.reserveCapacity(n)
                for _ in 0..<n { services.append(try service()) }
                return .putDevice(
                    Device(
                        id: device, owner: owner, name: name, services: services, createdAt: try time(),
                        updatedAt: try time()))
            case .putService:
                return .putService(try id(), try service())
            case .deleteService:
                return .deleteService(try id())
            case .putShare:
                let device: DeviceID = try id(), user: AccountID = try id()
                let modeText = try string()
                guard let mode = ShareMode(rawValue: modeText) else { throw bad("share mode \(modeText)") }
                let n = try count()
                var services = Set<ServiceID>(minimumCapacity: n)
                for _ in 0..<n { services.insert(try id()) }
                let access = ShareAccess(mode: mode, services: services, scripting: try bool())
                return .putShare(
                    Share(
                        device: device, user: user, access: access, createdAt: try time(), updatedAt: try time(),
                        expiresAt: try optionalTime(), acceptBy: try optionalTime()))
            case .deleteShare:
                return .deleteShare(ShareKey(device: try id(), user: try id()))
            case .putAPIKey:
                let key: APIKeyID = try id(), account: AccountID = try id(), name = try string()
                guard let hash = APIKeyHash(bytes: Array(try raw())) else { throw bad("API key digest") }
                return .putAPIKey(
                    APIKeyRecord(id: key, account: account, name: name, hash: hash, createdAt: try time()))
            case .deleteAPIKey:
                return .deleteAPIKey(try id())
            case .deleteDevice:
                return .deleteDevice(try id())
            case .deleteAccount:
                return .deleteAccount(try id())
            }
        }
        private mutating func service() throws(StoredValueError) -> Service {
            let id: ServiceID = try id(), name = try string()
            let port = try uint()
            guard port <= UInt64(UInt16.max) else { throw bad("port \(port)") }
            return Service(id: id, name: name, port: UInt16(port), protocol: try string())
        }
    }
}
