/// What one SMTP transaction carries: the envelope and the message bytes.
public struct SMTPEnvelope: Hashable, Sendable {
    /// The reverse path (`MAIL FROM:<…>`), a bare address.
    public var from: String
    /// The forward paths (`RCPT TO:<…>`), bare addresses; at least one.
    public var recipients: [String]

    public init(from: String, recipients: [String]) {
        self.from = from
        self.recipients = recipients
    }
}

/// Credentials for AUTH PLAIN or LOGIN (RFC 4616, draft-murchison-sasl-login).
public struct SMTPCredentials: Hashable, Sendable {
    public var username: String
    public var password: String
    public init(username: String, password: String) {
        self.username = username
        self.password = password
    }
}

/// How TLS is used towards the server.
public enum SMTPTLSMode: String, Hashable, Sendable, CaseIterable {
    /// Plain text throughout (a local relay on loopback).
    case none
    /// STARTTLS when the server offers it, plain text otherwise.
    case startTLSIfOffered = "starttls-if-offered"
    /// STARTTLS, refusing a server that does not offer it.
    case startTLS = "starttls"
    /// TLS from the first byte (`smtps`, port 465): the glue wraps the
    /// connection; the dialogue itself is the plain one.
    case implicit
}

/// The client side of one SMTP transaction (RFC 5321) as a pure state
/// machine: it is given each reply (and the end of a STARTTLS handshake)
/// and answers with what to do next. It never touches a socket, so every
/// path is unit-tested with scripted replies.
///
/// Dialogue: greeting → EHLO (HELO if EHLO is not understood) → STARTTLS and
/// EHLO again when configured → AUTH PLAIN or LOGIN when credentials are
/// given → MAIL FROM → RCPT TO per recipient → DATA → the dot-stuffed
/// message → QUIT. Any recipient refused fails the whole transaction (the
/// mailer sends one recipient per message).
public struct SMTPClientStateMachine: Sendable {
    /// What the glue must do next.
    public enum Action: Hashable, Sendable {
        /// Write these bytes (a command with its CRLF, or the message).
        case send([UInt8])
        /// Put TLS under the connection now (the server said 220 to
        /// STARTTLS), then call ``tlsEstablished()``.
        case startTLS
        /// The server accepted the message; write these bytes (QUIT) and
        /// close after its reply, or on any error: delivery already happened.
        case delivered(quit: [UInt8])
        /// Give up: write QUIT if `quit` (the connection is still in a
        /// known state), then close.
        case fail(SMTPError, quit: Bool)
        /// The dialogue is over; close the connection.
        case close
    }

    enum State: Hashable, Sendable {
        case greeting, ehlo, helo, startTLS, tlsHandshake, ehloAfterTLS
        case authPlain
        case authLogin(step: Int)
        case mailFrom
        case rcptTo(index: Int)
        case data, message, quit, done
    }

    private(set) var state: State = .greeting
    /// Whether the connection is encrypted (implicit TLS or after STARTTLS).
    public private(set) var tlsActive: Bool
    /// The EHLO keywords of the last EHLO reply, upper-cased (`STARTTLS`, `AUTH PLAIN LOGIN`, `8BITMIME`).
    public private(set) var extensions: [String: String] = [:]

    let hostname: String
    let envelope: SMTPEnvelope
    let message: [UInt8]
    let tls: SMTPTLSMode
    let credentials: SMTPCredentials?
    let allowAuthWithoutTLS: Bool

    /// - Parameters:
    ///   - hostname: the name this client gives in EHLO.
    ///   - message: the RFC 5322 message, CRLF line ends; dot-stuffed and
    ///     terminated here.
    ///   - allowAuthWithoutTLS: send credentials over a plain connection
    ///     (only for a relay on loopback).
    public init(
        hostname: String, envelope: SMTPEnvelope, message: [UInt8], tls: SMTPTLSMode,
        credentials: SMTPCredentials? = nil, allowAuthWithoutTLS: Bool = false
    ) {
        self.hostname = hostname
        self.envelope = envelope
        self.message = message
        self.tls = tls
        self.credentials = credentials
        self.allowAuthWithoutTLS = allowAuthWithoutTLS
        self.tlsActive = tls == .implicit
    }

    /// The next step after a reply from the server.
    public mutating func receive(_ reply: SMTPReply) -> Action {
        switch state {
        case .greeting:
            guard reply.code == 220 else { return fail(.greeting, reply) }
            state = .ehlo
            return command("EHLO \(hostname)")
        case .ehlo, .ehloAfterTLS:
            if !reply.isPositive {
                // An old server that does not know EHLO: HELO, no extensions.
                if state == .ehlo, reply.code == 500 || reply.code == 502 {
                    state = .helo
                    return command("HELO \(hostname)")
                }
                return fail(.ehlo, reply)
            }
            extensions = Self.extensions(of: reply)
            return afterHello()
        case .helo:
            guard reply.isPositive else { return fail(.helo, reply) }
            extensions = [:]
            return afterHello()
        case .startTLS:
            guard reply.code == 220 else { return fail(.starttls, reply) }
            state = .tlsHandshake
            return .startTLS
        case .tlsHandshake:
            return .fail(.protocolViolation("a reply during the TLS handshake: \(reply)"), quit: false)
        case .authPlain:
            guard reply.code == 235 else { return fail(.auth, reply) }
            return mailFrom()
        case let .authLogin(step):
            if step < 2 {
                guard reply.code == 334, let credentials else { return fail(.auth, reply) }
                state = .authLogin(step: step + 1)
                return command(Base64.encode(Array((step == 0 ? credentials.username : credentials.password).utf8)))
            }
            guard reply.code == 235 else { return fail(.auth, reply) }
            return mailFrom()
        case .mailFrom:
            guard reply.isPositive else { return fail(.mailFrom, reply) }
            state = .rcptTo(index: 0)
            return command("RCPT TO:<\(envelope.recipients[0])>")
        case let .rcptTo(index):
            guard reply.isPositive else { return fail(.rcptTo, reply) }
            if index + 1 < envelope.recipients.count {
                state = .rcptTo(index: index + 1)
                return command("RCPT TO:<\(envelope.recipients[index + 1])>")
            }
            state = .data
            return command("DATA")
        case .data:
            guard reply.code == 354 else { return fail(.data, reply) }
            state = .message
            return .send(SMTPDotStuffing.dataSection(message))
        case .message:
            guard reply.isPositive else { return fail(.message, reply) }
            state = .quit
            return .delivered(quit: Array("QUIT\r\n".utf8))
        case .quit:
            state = .done
            return .close
        case .done:
            return .close
        }
    }

    /// The TLS handshake after STARTTLS finished: say EHLO again (RFC 3207
    /// §4.2: the server forgets what it knew).
    public mutating func tlsEstablished() -> Action {
        guard state == .tlsHandshake else {
            return .fail(.protocolViolation("TLS established outside STARTTLS"), quit: false)
        }
        tlsActive = true
        extensions = [:]
        state = .ehloAfterTLS
        return command("EHLO \(hostname)")
    }

    /// Whether the dialogue reached its end (delivered and QUIT answered).
    public var isDone: Bool { state == .done }

    private mutating func afterHello() -> Action {
        if !tlsActive, tls == .startTLS || tls == .startTLSIfOffered {
            if extensions["STARTTLS"] != nil {
                state = .startTLS
                return command("STARTTLS")
            }
            if tls == .startTLS {
                return .fail(.unsupported("STARTTLS is required but the server does not offer it"), quit: true)
            }
        }
        guard let credentials else { return mailFrom() }
        guard tlsActive || allowAuthWithoutTLS else {
            return .fail(.unsupported("refusing to send credentials over a connection without TLS"), quit: true)
        }
        let mechanisms = Set((extensions["AUTH"] ?? "").split(separator: " ").map { $0.uppercased() })
        if mechanisms.contains("PLAIN") {
            state = .authPlain
            let token = [0] + Array(credentials.username.utf8) + [0] + Array(credentials.password.utf8)
            return command("AUTH PLAIN " + Base64.encode(token))
        }
        if mechanisms.contains("LOGIN") {
            state = .authLogin(step: 0)
            return command("AUTH LOGIN")
        }
        return .fail(
            .unsupported("credentials are given but the server offers neither AUTH PLAIN nor LOGIN"), quit: true)
    }

    private mutating func mailFrom() -> Action {
        state = .mailFrom
        return command("MAIL FROM:<\(envelope.from)>")
    }

    private func command(_ text: String) -> Action { .send(Array((text + "\r\n").utf8)) }

    private mutating func fail(_ stage: SMTPStage, _ reply: SMTPReply) -> Action {
        // 421: the server is closing the channel; anything else leaves it usable for QUIT.
        let quit = reply.code != 421
        state = .done
        if reply.isTransient { return .fail(.transient(stage: stage, reply: reply), quit: quit) }
        if reply.isPermanent { return .fail(.permanent(stage: stage, reply: reply), quit: quit) }
        return .fail(.protocolViolation("unexpected reply to \(stage): \(reply)"), quit: quit)
    }

    /// EHLO keywords (lines after the first), upper-cased, with their parameters.
    static func extensions(of reply: SMTPReply) -> [String: String] {
        var out: [String: String] = [:]
        for line in reply.lines.dropFirst() {
            let parts = line.split(separator: " ", maxSplits: 1)
            guard let keyword = parts.first else { continue }
            out[keyword.uppercased()] = parts.count > 1 ? String(parts[1]) : ""
        }
        return out
    }
}

/// The DATA section (RFC 5321 §4.5.2): CRLF line ends, a `.` doubled at the
/// start of every line, then the terminating `CRLF.CRLF`.
public enum SMTPDotStuffing {
    /// `message` dot-stuffed and terminated. Bare LF and bare CR become CRLF.
    public static func dataSection(_ message: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(message.count + message.count / 50 + 5)
        var atLineStart = true
        var i = 0
        while i < message.count {
            let b = message[i]
            if b == UInt8(ascii: "\r") || b == UInt8(ascii: "\n") {
                out += [13, 10]
                if b == UInt8(ascii: "\r"), i + 1 < message.count, message[i + 1] == UInt8(ascii: "\n") { i += 1 }
                atLineStart = true
            } else {
                if atLineStart, b == UInt8(ascii: ".") { out.append(UInt8(ascii: ".")) }
                out.append(b)
                atLineStart = false
            }
            i += 1
        }
        if !atLineStart { out += [13, 10] }
        out += Array(".\r\n".utf8)
        return out
    }
}
