import NIOCore
import NIOPosix
import NIOSSL
import NIOTLS

/// Where and how to reach the SMTP server.
public struct SMTPConfiguration: Sendable {
    public var host: String
    public var port: Int
    public var tls: SMTPTLSMode
    /// Trust for the server's certificate (default: the system's roots).
    public var tlsConfiguration: TLSConfiguration
    public var credentials: SMTPCredentials?
    /// Allow AUTH over a connection without TLS (a relay on loopback only).
    public var allowAuthWithoutTLS: Bool
    /// The name given in EHLO.
    public var hostname: String
    /// How long the server may stay silent after a command, and the connect timeout.
    public var timeout: TimeAmount

    public init(
        host: String, port: Int, tls: SMTPTLSMode = .startTLSIfOffered,
        tlsConfiguration: TLSConfiguration = .makeClientConfiguration(),
        credentials: SMTPCredentials? = nil, allowAuthWithoutTLS: Bool = false,
        hostname: String = "localhost", timeout: TimeAmount = .seconds(60)
    ) {
        self.host = host
        self.port = port
        self.tls = tls
        self.tlsConfiguration = tlsConfiguration
        self.credentials = credentials
        self.allowAuthWithoutTLS = allowAuthWithoutTLS
        self.hostname = hostname
        self.timeout = timeout
    }
}

/// Sends messages over SwiftNIO: one connection per message, driven by
/// ``SMTPClientStateMachine``. Returns once the server accepted the message
/// (its 250 after the data), so a caller may then record the delivery.
public struct SMTPClient: Sendable {
    public let configuration: SMTPConfiguration
    let group: any EventLoopGroup

    public init(configuration: SMTPConfiguration, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) {
        self.configuration = configuration
        self.group = group
    }

    /// Delivers one message.
    /// - Throws: ``SMTPError``; ``SMTPError/isTransient`` says whether to retry.
    public func send(_ message: [UInt8], envelope: SMTPEnvelope) async throws(SMTPError) {
        try envelope.validate()
        let config = configuration
        let sslContext: NIOSSLContext?
        do {
            sslContext = config.tls == .none ? nil : try NIOSSLContext(configuration: config.tlsConfiguration)
        } catch {
            throw .unsupported("TLS configuration: \(error)")
        }
        let machine = SMTPClientStateMachine(
            hostname: config.hostname, envelope: envelope, message: message,
            tls: config.tls, credentials: config.credentials,
            allowAuthWithoutTLS: config.allowAuthWithoutTLS)
        let promise = group.any().makePromise(of: Void.self)
        let bootstrap = ClientBootstrap(group: group)
            .connectTimeout(config.timeout)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let sync = channel.pipeline.syncOperations
                    if config.tls == .implicit, let sslContext {
                        try sync.addHandler(
                            NIOSSLClientHandler(context: sslContext, serverHostname: Self.sni(config.host)))
                    }
                    try sync.addHandler(
                        SMTPClientHandler(
                            machine: machine, sslContext: sslContext, host: config.host,
                            timeout: config.timeout, done: promise))
                }
            }
        let channel: any Channel
        do {
            channel = try await bootstrap.connect(host: config.host, port: config.port).get()
        } catch {
            promise.fail(error)
            throw .connection("connecting to \(config.host):\(config.port): \(error)")
        }
        do {
            try await promise.futureResult.get()
        } catch let error as SMTPError {
            channel.close(promise: nil)
            throw error
        } catch {
            channel.close(promise: nil)
            throw .connection("\(error)")
        }
    }

    /// SNI carries names only, never IP literals.
    static func sni(_ host: String) -> String? {
        host.allSatisfy({ $0.isNumber || $0 == "." }) || host.contains(":") ? nil : host
    }
}

extension SMTPEnvelope {
    /// Refuses an envelope without recipients or with an address that is not
    /// ``isSafeAddress(_:)``, before anything is sent.
    public func validate() throws(SMTPError) {
        guard !recipients.isEmpty else { throw .unsupported("a message needs at least one recipient") }
        for address in [from] + recipients where !Self.isSafeAddress(address) {
            throw .unsupported("not a usable envelope address: \(address)")
        }
    }

    /// Envelope address checks: no CR, LF, `<`, `>` or spaces, which would let
    /// an address inject SMTP commands (or, given to sendmail, options).
    public static func isSafeAddress(_ address: String) -> Bool {
        !address.isEmpty && address.utf8.count <= 254
            && address.utf8.allSatisfy { $0 > 0x20 && $0 != 0x7F && $0 != UInt8(ascii: "<") && $0 != UInt8(ascii: ">") }
    }
}

/// The thin glue: splits the byte stream into lines, feeds the reply
/// parser and the state machine, and performs their actions (write, start
/// TLS, close). One per connection; lives on its event loop.
final class SMTPClientHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private var machine: SMTPClientStateMachine
    private var parser = SMTPReplyParser()
    private var pending: [UInt8] = []
    private let sslContext: NIOSSLContext?
    private let host: String
    private let timeout: TimeAmount
    private let done: EventLoopPromise<Void>
    private var finished = false
    private var timer: Scheduled<Void>?
    /// The longest reply line accepted (RFC 5321 §4.5.3.1.5 allows 512).
    static let maxLine = 4096

    init(
        machine: SMTPClientStateMachine, sslContext: NIOSSLContext?, host: String, timeout: TimeAmount,
        done: EventLoopPromise<Void>
    ) {
        self.machine = machine
        self.sslContext = sslContext
        self.host = host
        self.timeout = timeout
        self.done = done
    }

    func channelActive(context: ChannelHandlerContext) {
        armTimer(context)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        pending += buffer.readBytes(length: buffer.readableBytes) ?? []
        while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
            var end = newline
            if end > 0, pending[end - 1] == UInt8(ascii: "\r") { end -= 1 }
            let line = String(decoding: pending[..<end], as: UTF8.self)
            pending.removeSubrange(...newline)
            do throws(SMTPError) {
                guard let reply = try parser.feed(line) else { continue }
                perform(machine.receive(reply), context)
            } catch {
                perform(.fail(error, quit: false), context)
            }
            if finished { return }
        }
        if pending.count > Self.maxLine {
            perform(.fail(.protocolViolation("reply line longer than \(Self.maxLine) bytes"), quit: false), context)
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case TLSUserEvent.handshakeCompleted = event {
            perform(machine.tlsEstablished(), context)
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelInactive(context: ChannelHandlerContext) {
        timer?.cancel()
        finish(.failure(SMTPError.connection("the server closed the connection")))
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        finish(.failure(SMTPError.connection("\(error)")))
        context.close(promise: nil)
    }

    private func perform(_ action: SMTPClientStateMachine.Action, _ context: ChannelHandlerContext) {
        switch action {
        case let .send(bytes):
            write(bytes, context)
        case .startTLS:
            // Bytes already buffered after the 220 were sent in plain text
            // (a STARTTLS injection): refuse them (RFC 3207 §6).
            guard pending.isEmpty, !parser.isInsideReply, let sslContext else {
                perform(.fail(.protocolViolation("data after the STARTTLS reply, before TLS"), quit: false), context)
                return
            }
            do {
                let tls = try NIOSSLClientHandler(context: sslContext, serverHostname: SMTPClient.sni(host))
                try context.pipeline.syncOperations.addHandler(tls, position: .first)
            } catch {
                perform(.fail(.connection("starting TLS: \(error)"), quit: false), context)
            }
        case let .delivered(quit):
            finish(.success(()))
            write(quit, context)
        case let .fail(error, quit):
            finish(.failure(error))
            if quit { write(Array("QUIT\r\n".utf8), context) }
            timer?.cancel()
            context.close(promise: nil)
        case .close:
            timer?.cancel()
            context.close(promise: nil)
        }
    }

    private func write(_ bytes: [UInt8], _ context: ChannelHandlerContext) {
        armTimer(context)
        context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(bytes: bytes)), promise: nil)
    }

    private func armTimer(_ context: ChannelHandlerContext) {
        timer?.cancel()
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        timer = context.eventLoop.scheduleTask(in: timeout) {
            let (handler, context) = loopBound.value
            handler.perform(.fail(.connection("the server was silent for \(handler.timeout)"), quit: false), context)
        }
    }

    private func finish(_ result: Result<Void, any Error>) {
        guard !finished else { return }
        finished = true
        done.completeWith(result)
    }
}
