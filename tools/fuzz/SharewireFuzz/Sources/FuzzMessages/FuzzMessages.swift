// Fuzz target: every message decoder of the schema, through the protobuf-c
// bridge (SharewireMessages).
//
// Input: the first byte picks the message type from the generated
// `MessageTypes.all`; the rest is its wire encoding. Whatever
// decodes must pass `validate()` and round-trip: decode → encode → decode
// gives an equal message, and encoding that again gives the same bytes.
// Anything else must be a typed `ProtoDecodingError`, never a trap.
import FuzzSupport
import SharewireMessages

func roundTrip<Message: ProtoMessage>(_: Message.Type, _ bytes: UnsafeRawBufferPointer) {
    let message: Message
    do {
        message = try Message(serializedBytes: bytes)
    } catch {
        fuzzTrace("\(Message.self) rejected: \(error)")
        return  // typed error: fine
    }
    fuzzTrace("\(Message.self) decoded")
    do {
        try message.validate()
    } catch {
        fatalError("\(Message.self): a decoded message fails validate(): \(error)")
    }
    let encoded = message.serializedBytes()
    let again: Message
    do {
        again = try Message(bytes: encoded)
    } catch {
        fatalError("\(Message.self): its own encoding does not decode: \(error); bytes \(encoded)")
    }
    guard again == message else {
        fatalError("\(Message.self): decode → encode → decode changed the message:\n\(message)\n\(again)")
    }
    let reencoded = again.serializedBytes()
    guard reencoded == encoded else {
        fatalError("\(Message.self): encoding is not stable: \(encoded) then \(reencoded)")
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = fuzzInput(data, size)
    guard let selector = input.first else { return 0 }
    let types = MessageTypes.all
    let type = types[Int(selector) % types.count]
    roundTrip(type, UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: input[1...])))
    return 0
}

@_cdecl("FuzzMessages_main")
func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc: argc, argv: argv, fuzzOne)
}
