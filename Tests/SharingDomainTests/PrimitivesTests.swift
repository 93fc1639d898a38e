import Testing

@testable import SharingDomain

@Suite struct IdentifierTests {
    @Test func roundTrip() {
        #expect(DeviceID(raw: 42).external == "dev_42")
        #expect(DeviceID(external: "dev_42") == DeviceID(raw: 42))
        #expect(AccountID(external: "acc_18446744073709551615")?.raw == UInt64.max)
    }

    @Test(arguments: ["", "dev_", "dev_0", "dev_01", "acc_1", "dev_1x", "DEV_1", "dev_18446744073709551616", " dev_1"])
    func rejectsMalformed(_ text: String) {
        #expect(DeviceID(external: text) == nil)
    }

    @Test func lengthLimitAtMaxAndMaxPlusOne() throws {
        // 64 bytes: "dev_" + 60 digits overflows UInt64, so pad a valid id with the limit instead.
        let max = "dev_" + String(repeating: "9", count: Limits.maxIDLength - 4)
        let over = "dev_" + String(repeating: "9", count: Limits.maxIDLength - 3)
        #expect(max.utf8.count == Limits.maxIDLength)
        expectFailure(.invalidID, field: .deviceId) { () throws(SharingError) in
            _ = try DeviceID.parse(over, field: .deviceId)
        }
        // Overflow.
        expectFailure(.invalidID) { () throws(SharingError) in _ = try DeviceID.parse(max, field: .deviceId) }
        #expect(try DeviceID.parse("dev_7", field: .deviceId) == DeviceID(raw: 7))
    }
}

@Suite struct EmailTests {
    @Test func normalizesCaseAndWhitespace() throws {
        #expect(try Email("  Alice@Example.COM \n").value == "alice@example.com")
        #expect(try Email("a@b.co") == Email("A@B.CO"))
    }

    @Test(arguments: [
        "", "plain", "@example.com", "a@", "a@b", "a@b.c", "a b@example.com", "a..b@example.com",
        ".a@example.com", "a.@example.com", "a@-b.com", "a@b-.com", "a@b..com", "a@@b.com",
        "a@b.123", "a<b@example.com", "a@exa_mple.com", "ä@example.com",
    ])
    func rejectsInvalid(_ text: String) {
        expectFailure(.invalidEmail, field: .email) { () throws(SharingError) in _ = try Email(text) }
    }

    @Test(arguments: ["a@b.co", "first.last+tag@sub.example.org", "x_y-z@a-b.example", "o'neil@example.ie"])
    func acceptsValid(_ text: String) throws {
        _ = try Email(text)
    }

    @Test func lengthAtMaxAndMaxPlusOne() throws {
        // 64-byte local part, then 50-byte labels, a filler label and "com".
        func email(_ total: Int) -> String {
            var text = String(repeating: "l", count: 64) + "@"
            var remaining = total - text.utf8.count - 3
            while remaining > 60 {
                text += String(repeating: "d", count: 50) + "."
                remaining -= 51
            }
            text += String(repeating: "e", count: remaining - 1) + ".com"
            return text
        }
        let max = email(Limits.maxEmailLength)
        #expect(max.utf8.count == 254)
        _ = try Email(max)
        let over = email(Limits.maxEmailLength + 1)
        #expect(over.utf8.count == 255)
        expectFailure(.emailTooLong, field: .email) { () throws(SharingError) in _ = try Email(over) }
    }
}

@Suite struct CryptoTests {
    // FIPS 180-4 / NIST test vectors.
    @Test func sha256Vectors() {
        #expect(Hex.encode(SHA256.hash("".utf8)) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(
            Hex.encode(SHA256.hash("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(
            Hex.encode(SHA256.hash("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8))
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        #expect(
            Hex.encode(
                SHA256.hash(
                    "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu"
                        .utf8))
                == "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1")
        #expect(
            Hex.encode(SHA256.hash(Array(repeating: UInt8(ascii: "a"), count: 1_000_000)))
                == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
        // Padding edges: 55, 56 and 64 bytes (checked against Python's hashlib).
        #expect(
            Hex.encode(SHA256.hash(Array(repeating: UInt8(ascii: "a"), count: 55)))
                == "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318")
        #expect(
            Hex.encode(SHA256.hash(Array(repeating: UInt8(ascii: "a"), count: 56)))
                == "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a")
        #expect(
            Hex.encode(SHA256.hash(Array(repeating: UInt8(ascii: "a"), count: 64)))
                == "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb")
    }

    @Test func apiKeysAreRandomWellFormedAndHashed() {
        let a = APIKey.generate(), b = APIKey.generate()
        #expect(a != b)
        #expect(a.hasPrefix("sw_") && a.utf8.count == APIKey.length)
        #expect(APIKey.isWellFormed(a))
        #expect(!APIKey.isWellFormed("sw_xyz"))
        #expect(APIKey.hash(a).constantTimeEquals(APIKey.hash(a)))
        #expect(!APIKey.hash(a).constantTimeEquals(APIKey.hash(b)))
    }

    @Test func authenticateFindsOnlyTheRightAccount() {
        var w = World()
        let key = APIKey.generate()
        let applied = try! w.run(
            .createAccount(email: "k@example.com", language: .en, apiKeyHash: APIKey.hash(key)), as: nil)
        guard case let .account(acc) = applied.outcome else {
            Issue.record("no account")
            return
        }
        #expect(w.state.authenticate(apiKey: key) == acc.id)
        #expect(w.state.authenticate(apiKey: APIKey.generate()) == nil)
        #expect(w.state.authenticate(apiKey: "nonsense") == nil)
        // The key itself is stored nowhere: only its hash appears in the changes.
        #expect(!"\(w.lastChanges)".contains(key))
    }
}

@Suite struct LimitsTests {
    @Test func pageSizeAtMaxAndMaxPlusOne() throws {
        let l = Limits()
        #expect(try l.pageSize(0) == 50)
        #expect(try l.pageSize(500) == 500)
        expectFailure(.limitExceeded, field: .pageSize) { () throws(SharingError) in _ = try l.pageSize(501) }
        expectFailure(.invalidArgument, field: .pageSize) { () throws(SharingError) in _ = try l.pageSize(-1) }
    }

    @Test func everyReasonHasAStableUpperSnakeCodeAndAStatus() {
        for r in SharingError.Reason.allCases {
            #expect(r.rawValue.allSatisfy { $0.isUppercase || $0 == "_" }, "\(r.rawValue)")
        }
        #expect(SharingError.Reason.notDeviceOwner.status == .permissionDenied)
        #expect(SharingError.Reason.limitExceeded.status == .resourceExhausted)
        #expect(SharingError.Reason.deviceNotFound.status.rawValue == 5)
    }

    @Test func cursorsRejectGarbage() throws {
        expectFailure(.invalidCursor, field: .cursor) { () throws(SharingError) in _ = try PageCursor.decode("zzz") }
        #expect(try PageCursor.decode(PageCursor.encode(12345)) == 12345)
        #expect(try PageCursor.decode(nil) == nil)
    }
}

@Suite struct NotificationConsumerTests {
    @Test func emptyIsDefaultAndValidNamesKeepTheirSpelling() throws {
        #expect(NotificationConsumer("") == .default)
        #expect(NotificationConsumer.default.name == "default")
        #expect(NotificationConsumer("mailer")?.name == "mailer")
        #expect(NotificationConsumer("Mail_er-2.eu")?.name == "Mail_er-2.eu")
        #expect(NotificationConsumer(String(repeating: "m", count: 64)) != nil)
    }

    @Test(arguments: [" mailer", "mail er", "mailer/1", "mäiler", "m\u{0}", String(repeating: "m", count: 65)])
    func invalidNamesAreRefused(_ name: String) {
        #expect(NotificationConsumer(name) == nil)
    }
}
