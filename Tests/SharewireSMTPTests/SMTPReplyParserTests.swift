import Testing

@testable import SharewireSMTP

@Suite struct SMTPReplyParserTests {
    @Test func singleAndMultiLineReplies() throws {
        var p = SMTPReplyParser()
        #expect(try p.feed("220 mail.example.com ESMTP") == SMTPReply(code: 220, lines: ["mail.example.com ESMTP"]))
        #expect(try p.feed("250-mail.example.com") == nil)
        #expect(p.isInsideReply)
        #expect(try p.feed("250-STARTTLS") == nil)
        #expect(
            try p.feed("250 AUTH PLAIN LOGIN")
                == SMTPReply(code: 250, lines: ["mail.example.com", "STARTTLS", "AUTH PLAIN LOGIN"]))
        #expect(!p.isInsideReply)
        #expect(try p.feed("354") == SMTPReply(code: 354, lines: [""]))
    }

    @Test(arguments: ["", "25", "abc hello", "2x0 ok", "250xok", "199 low", "600 high"])
    func malformedLinesAreProtocolViolations(_ line: String) {
        var p = SMTPReplyParser()
        #expect(throws: SMTPError.self) { try p.feed(line) }
    }

    @Test func aCodeChangingInsideAReplyIsRefused() throws {
        var p = SMTPReplyParser()
        _ = try p.feed("250-first")
        #expect {
            try p.feed("251 second")
        } throws: { error in
            guard case .protocolViolation = error as? SMTPError else { return false }
            return true
        }
    }

    @Test func classification() {
        #expect(SMTPError.transient(stage: .rcptTo, reply: SMTPReply(code: 451, lines: [])).isTransient)
        #expect(!SMTPError.permanent(stage: .rcptTo, reply: SMTPReply(code: 550, lines: [])).isTransient)
        #expect(SMTPError.connection("refused").isTransient)
        #expect(!SMTPError.unsupported("no STARTTLS").isTransient)
    }
}
