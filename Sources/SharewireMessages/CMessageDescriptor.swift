import CProtobufC
import CSharewireProto  // see docs/MESSAGES.md, "Importing the C modules"

/// The address of a generated protobuf-c message descriptor.
///
/// Safety of `@unchecked Sendable`: `pointer` is the address of a `const`
/// global with static storage duration emitted by protoc-c
/// (`sharewire__v1__x__descriptor`). Nobody writes through it, and it lives
/// for the whole process, so sharing it between threads is safe.
struct CMessageDescriptor: @unchecked Sendable {
    let pointer: UnsafePointer<ProtobufCMessageDescriptor>

    /// Takes the descriptor address from a struct initialised by the
    /// generated `*__init` function. (Swift cannot take the address of the
    /// imported `const` global directly, and the `*__INIT` macros do not
    /// import.)
    init<C>(_ zero: C, _ initialize: (UnsafeMutablePointer<C>) -> Void) {
        var message = zero
        initialize(&message)
        pointer = withUnsafeBytes(of: &message) { raw in
            raw.load(as: ProtobufCMessage.self).descriptor
        }
    }

    /// The full protobuf name, e.g. `"sharewire.v1.RequestHead"`.
    var fullName: String { String(cString: pointer.pointee.name) }
}
