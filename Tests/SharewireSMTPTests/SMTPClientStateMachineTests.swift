import Testing

@testable import SharewireSMTP

/// Scripted dialogues: each reply in, the expected action out.
@Suite struct SMTPClientStateMachineTests {
    static let envelope = SMTPEnvelope(from: "noreply@sharewire.test", recipients: ["bob@example.com"])
    static let message = Array("Subject: hi\r\n\r\nHello\r\n.leading dot\r\n".utf8)

    static func machine(
        tls: SMTPTLSMode = .none, credentials: SMTPCredentials? = nil,
        allowAuthWithoutTLS: Bool = false, recipients: [String] = ["bob@example.com"]
    ) -> SMTPClientStateMachine {
        SMTPClientStateMachine(
            hostname: "mailer.test", envelope: SMTPEnvelope(from: envelope.from, recipients: recipients),
            message: message, tls: tls, credentials: credentials,
            allowAuthWithoutTLS: allowAuthWithoutTLS)
    }

    static func r(_ code: Int, _ lines: String...) -> SMTPReply {
        SMTPReply(code: code, lines: lines.isEmpty ? [""] : lines)
    }
    static func send(_ s: String) -> SMTPClientStateMachine.Action { .send(Array(s.utf8)) }

    @Test func plainDeliveryToTwoRecipients() {
        var m = Self.machine(recipients: ["bob@example.com", "carol@example.jp"])
        #expect(m.receive(Self.r(220, "hi")) == Self.send("EHLO mailer.test\r\n"))
        #expect(
            m.receive(Self.r(250, "hello", "8BITMIME", "SIZE 1000"))
                == Self.send("MAIL FROM:<noreply@sharewire.test>\r\n"))
        #expect(m.extensions["SIZE"] == "1000")
        #expect(m.receive(Self.r(250)) == Self.send("RCPT TO:<bob@example.com>\r\n"))
        #expect(m.receive(Self.r(250)) == Self.send("RCPT TO:<carol@example.jp>\r\n"))
        #expect(m.receive(Self.r(250)) == Self.send("DATA\r\n"))
        #expect(m.receive(Self.r(354)) == .send(Array("Subject: hi\r\n\r\nHello\r\n..leading dot\r\n.\r\n".utf8)))
        #expect(m.receive(Self.r(250, "queued")) == .delivered(quit: Array("QUIT\r\n".utf8)))
        #expect(m.receive(Self.r(221)) == .close)
        #expect(m.isDone)
    }

    @Test func ehloNotUnderstoodFallsBackToHelo() {
        var m = Self.machine()
        _ = m.receive(Self.r(220))
        #expect(m.receive(Self.r(502, "no")) == Self.send("HELO mailer.test\r\n"))
        #expect(m.receive(Self.r(250)) == Self.send("MAIL FROM:<noreply@sharewire.test>\r\n"))
    }

    @Test func startTLSWhenOfferedThenEhloAgainThenAuthPlain() {
        var m = Self.machine(tls: .startTLSIfOffered, credentials: SMTPCredentials(username: "u", password: "p"))
        _ = m.receive(Self.r(220))
        #expect(m.receive(Self.r(250, "hi", "STARTTLS", "AUTH LOGIN")) == Self.send("STARTTLS\r\n"))
        #expect(m.receive(Self.r(220, "go ahead")) == .startTLS)
        #expect(!m.tlsActive)
        #expect(m.tlsEstablished() == Self.send("EHLO mailer.test\r\n"))
        #expect(m.tlsActive)
        // base64("\0u\0p") = "AHUAcA=="
        #expect(m.receive(Self.r(250, "hi", "AUTH PLAIN LOGIN")) == Self.send("AUTH PLAIN AHUAcA==\r\n"))
        #expect(m.receive(Self.r(235)) == Self.send("MAIL FROM:<noreply@sharewire.test>\r\n"))
    }

    @Test func authLoginWhenPlainIsNotOffered() {
        var m = Self.machine(tls: .implicit, credentials: SMTPCredentials(username: "user", password: "pass"))
        _ = m.receive(Self.r(220))
        #expect(m.receive(Self.r(250, "hi", "AUTH LOGIN")) == Self.send("AUTH LOGIN\r\n"))
        #expect(m.receive(Self.r(334, "VXNlcm5hbWU6")) == Self.send("dXNlcg==\r\n"))
        #expect(m.receive(Self.r(334, "UGFzc3dvcmQ6")) == Self.send("cGFzcw==\r\n"))
        #expect(m.receive(Self.r(235)) == Self.send("MAIL FROM:<noreply@sharewire.test>\r\n"))
    }

    @Test func badCredentialsArePermanent() {
        var m = Self.machine(tls: .implicit, credentials: SMTPCredentials(username: "u", password: "x"))
        _ = m.receive(Self.r(220))
        _ = m.receive(Self.r(250, "hi", "AUTH PLAIN"))
        let bad = Self.r(535, "5.7.8 authentication failed")
        #expect(m.receive(bad) == .fail(.permanent(stage: .auth, reply: bad), quit: true))
    }

    @Test func requiredStartTLSNotOfferedIsRefused() {
        var m = Self.machine(tls: .startTLS)
        _ = m.receive(Self.r(220))
        guard case .fail(.unsupported, quit: true) = m.receive(Self.r(250, "hi")) else {
            Issue.record("expected unsupported")
            return
        }
    }

    @Test func startTLSIfOfferedGoesOnInPlainTextWhenNotOffered() {
        var m = Self.machine(tls: .startTLSIfOffered)
        _ = m.receive(Self.r(220))
        #expect(m.receive(Self.r(250, "hi")) == Self.send("MAIL FROM:<noreply@sharewire.test>\r\n"))
        #expect(!m.tlsActive)
    }

    @Test func credentialsAreNotSentWithoutTLSUnlessAllowed() {
        var refused = Self.machine(credentials: SMTPCredentials(username: "u", password: "p"))
        _ = refused.receive(Self.r(220))
        guard case .fail(.unsupported, _) = refused.receive(Self.r(250, "hi", "AUTH PLAIN")) else {
            Issue.record("credentials went out in plain text")
            return
        }
        var allowed = Self.machine(
            credentials: SMTPCredentials(username: "u", password: "p"), allowAuthWithoutTLS: true)
        _ = allowed.receive(Self.r(220))
        #expect(allowed.receive(Self.r(250, "hi", "AUTH PLAIN")) == Self.send("AUTH PLAIN AHUAcA==\r\n"))
    }

    @Test func transientAndPermanentRefusalsAreTyped() {
        var greylisted = Self.machine()
        _ = greylisted.receive(Self.r(220))
        _ = greylisted.receive(Self.r(250))
        _ = greylisted.receive(Self.r(250))
        let grey = Self.r(451, "4.7.1 try later")
        let action = greylisted.receive(grey)
        #expect(action == .fail(.transient(stage: .rcptTo, reply: grey), quit: true))
        if case let .fail(error, _) = action { #expect(error.isTransient) }

        var unknown = Self.machine()
        for reply in [Self.r(220), Self.r(250), Self.r(250), Self.r(250), Self.r(354)] { _ = unknown.receive(reply) }
        let rejected = Self.r(550, "5.1.1 no such user")
        #expect(unknown.receive(rejected) == .fail(.permanent(stage: .message, reply: rejected), quit: true))

        var closing = Self.machine()
        let bye = Self.r(421, "shutting down")
        #expect(closing.receive(bye) == .fail(.transient(stage: .greeting, reply: bye), quit: false))
    }

    @Test func anUnexpectedCodeIsAProtocolViolation() {
        var m = Self.machine()
        _ = m.receive(Self.r(220))
        _ = m.receive(Self.r(250))
        _ = m.receive(Self.r(250))
        _ = m.receive(Self.r(250))
        guard case .fail(.protocolViolation, _) = m.receive(Self.r(250, "not 354")) else {
            Issue.record("DATA answered 250 must not be taken as 354")
            return
        }
    }

    @Test func dotStuffingNormalisesLineEndsAndTerminates() {
        #expect(
            SMTPDotStuffing.dataSection(Array(".a\n..b\r\nc\rd".utf8)) == Array("..a\r\n...b\r\nc\r\nd\r\n.\r\n".utf8))
        #expect(SMTPDotStuffing.dataSection(Array("x\r\n".utf8)) == Array("x\r\n.\r\n".utf8))
        #expect(SMTPDotStuffing.dataSection(Array(".".utf8)) == Array("..\r\n.\r\n".utf8))
    }
}
