import Foundation
import SharewireCLICore
import SharewireClient
import Testing

@Suite("Share expiry syntax")
struct ShareExpirySyntaxTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)

    @Test(arguments: [
        ("90s", 90.0), ("45m", 2_700), ("2h", 7_200), ("1h30m", 5_400), ("7d", 604_800),
        ("1d2h3m4s", 93_784), ("3650d", 315_360_000),
    ])
    func durations(_ text: String, _ seconds: TimeInterval) throws {
        #expect(try ShareExpirySyntax.seconds(text) == seconds)
        #expect(
            try ShareExpirySyntax.expiry(for: text, until: nil, now: Self.now) == Self.now.addingTimeInterval(seconds))
    }

    @Test(arguments: [
        "", "2", "h", "0s", "2x", "30m2h", "2h2h", "-1h", "1.5h", "2 h", "3651d", "99999999999999999999s",
    ])
    func badDurations(_ text: String) {
        #expect(throws: CLIError.self) { try ShareExpirySyntax.seconds(text) }
    }

    @Test func instants() throws {
        let utc = try #require(ShareExpirySyntax.instant("2027-01-31T12:00Z"))
        #expect(utc == Date(timeIntervalSince1970: 1_801_396_800))
        #expect(ShareExpirySyntax.instant("2027-01-31T21:00+09:00") == utc)
        #expect(ShareExpirySyntax.instant("2027-01-31T12:00:30Z") == utc.addingTimeInterval(30))
        #expect(ShareExpirySyntax.instant("2027-01-31T12:00:30.250Z") == utc.addingTimeInterval(30.25))
        #expect(ShareExpirySyntax.instant("2028-02-29T00:00Z") != nil)  // leap day
        for bad in [
            "2027-01-31", "2027-01-31T12:00", "2027-02-29T00:00Z", "2027-13-01T00:00Z", "2027-01-31T24:00Z",
            "2027-01-31T12:00Zjunk", "27-01-31T12:00Z", "2027-01-31 12:00Z",
        ] {
            #expect(ShareExpirySyntax.instant(bad) == nil, "\(bad)")
        }
        #expect(try ShareExpirySyntax.expiry(for: nil, until: "2027-01-31T12:00Z", now: Self.now) == utc)
        #expect(try ShareExpirySyntax.expiry(for: nil, until: nil, now: Self.now) == nil)
        #expect(throws: CLIError.self) {
            try ShareExpirySyntax.expiry(for: "2h", until: "2027-01-31T12:00Z", now: Self.now)
        }
        #expect(throws: CLIError.self) { try ShareExpirySyntax.expiry(for: nil, until: "tomorrow", now: Self.now) }
    }

    @Test func timeLeft() {
        let t = Self.now
        #expect(ShareExpirySyntax.timeLeft(nil, now: t) == "")
        #expect(ShareExpirySyntax.timeLeft(t, now: t) == "expired")
        #expect(ShareExpirySyntax.timeLeft(t.addingTimeInterval(-5), now: t) == "expired")
        #expect(ShareExpirySyntax.timeLeft(t.addingTimeInterval(0.001), now: t) == "1s")
        #expect(ShareExpirySyntax.timeLeft(t.addingTimeInterval(45), now: t) == "45s")
        #expect(ShareExpirySyntax.timeLeft(t.addingTimeInterval(250), now: t) == "4m10s")
        #expect(ShareExpirySyntax.timeLeft(t.addingTimeInterval(7_199.5), now: t) == "2h")
        #expect(ShareExpirySyntax.timeLeft(t.addingTimeInterval(7_140), now: t) == "1h59m")
        #expect(ShareExpirySyntax.timeLeft(t.addingTimeInterval(183_600), now: t) == "2d3h")
    }

    @Test func listsShowTimeLeftOnlyWhenSomeShareIsLimited() {
        let share = Share(
            deviceID: "dev_1", userID: "acc_2", email: "bob@example.com", access: .ports([22]),
            scripting: false, createdAt: Self.now, updatedAt: Self.now)
        var limited = share
        limited.email = "carol@example.com"
        limited.expiresAt = Self.now.addingTimeInterval(7_140)
        #expect(!Render.shares([share], now: Self.now).contains("TIME LEFT"))
        let table = Render.shares([share, limited], now: Self.now)
        #expect(table.contains("TIME LEFT") && table.contains("1h59m"))
        let device = Device(
            id: "dev_1", name: "pi", services: [], createdAt: Self.now, updatedAt: Self.now,
            role: .shared(by: "alice@example.com", access: .all, scripting: false),
            expiresAt: Self.now.addingTimeInterval(90))
        #expect(Render.devices([device], now: Self.now).contains("1m30s"))
    }
}
