import NIOCore
import SharewireMessages
import SharewireWire

/// A frame a connection state machine asks its handler to send: the
/// preface, stream-0 frames and CANCEL. Frames carrying call data are
/// written by the handlers, which own the messages.
enum ConnectionFrame: Equatable, Sendable {
    case preface
    case hello(Hello)
    case goAway(lastStreamID: UInt32, code: StatusCode, reason: String)
    case ping(opaque: UInt64)
    case pong(opaque: UInt64)
    case cancel(streamID: UInt32)
}

extension ByteBuffer {
    /// Appends `frame`, ready to go on the wire.
    mutating func write(_ frame: ConnectionFrame) {
        switch frame {
        case .preface:
            Preface.current.write(to: &self)
        case let .hello(hello):
            let mark = beginFrame(.hello, streamID: 0)
            hello.serialize(into: &self)
            endFrame(mark)
        case let .goAway(lastStreamID, code, reason):
            let mark = beginFrame(.goAway, streamID: 0)
            GoAway(lastStreamID: lastStreamID, code: code.rawValue, reason: reason).serialize(into: &self)
            endFrame(mark)
        case let .ping(opaque):
            writePing(.ping, opaque: opaque)
        case let .pong(opaque):
            writePing(.pong, opaque: opaque)
        case let .cancel(streamID):
            writeCancel(streamID: streamID)
        }
    }
}

/// What a connection state machine asks of its handler at connection level.
enum ConnectionAction: Equatable, Sendable {
    case none
    /// Send these frames; the connection goes on.
    case send([ConnectionFrame])
    /// Send these frames (possibly none), then close once they are written.
    case sendAndClose([ConnectionFrame], because: ConnectionNote?)
    /// Close at once, writing nothing more (a dead or non-Sharewire peer).
    case close(because: ConnectionNote?)

    /// `self`, then `next`: frames accumulate, and a close ends the list.
    func then(_ next: ConnectionAction) -> ConnectionAction {
        switch (self, next) {
        case (.none, _): return next
        case (_, .none), (.close, _), (.sendAndClose, _): return self
        case let (.send(a), .send(b)): return .send(a + b)
        case let (.send(a), .sendAndClose(b, note)): return .sendAndClose(a + b, because: note)
        case let (.send(a), .close(note)): return a.isEmpty ? .close(because: note) : .sendAndClose(a, because: note)
        }
    }
}

/// Why a state machine closes a connection, for the handler's log.
struct ConnectionNote: Equatable, Sendable {
    enum Level: Equatable, Sendable { case debug, info, notice, warning }
    let level: Level
    let message: String

    static func debug(_ message: String) -> ConnectionNote { ConnectionNote(level: .debug, message: message) }
    static func info(_ message: String) -> ConnectionNote { ConnectionNote(level: .info, message: message) }
    static func notice(_ message: String) -> ConnectionNote { ConnectionNote(level: .notice, message: message) }
    static func warning(_ message: String) -> ConnectionNote { ConnectionNote(level: .warning, message: message) }
}

/// A PING or PONG frame's 8 opaque bytes (the decoder checked the length).
extension Frame {
    var opaque: UInt64 { payload.getInteger(at: payload.readerIndex, as: UInt64.self) ?? 0 }
}
