import Foundation
import SharewireCLICore
import SharewireTestSupport
import Testing

/// Config file profiles and their editing, without a server.
@Suite("Config profiles")
struct ConfigProfileUnitTests {
    static let text = """
        # mine
        address = "127.0.0.1:7070"
        api_key = "sw_top"

        [profiles.work]
        address = "db1.example.com:7070"   # the office
        api_key = "sw_work"

        [profiles.ci]
        timeout = 5

        """

    @Test func aProfileOverridesTheTopLevel() throws {
        let file = try ConfigFile(parsing: Self.text)
        #expect(try file.values(profile: nil) == ["address": "127.0.0.1:7070", "api_key": "sw_top"])
        #expect(try file.values(profile: "work") == ["address": "db1.example.com:7070", "api_key": "sw_work"])
        #expect(try file.values(profile: "ci") == ["address": "127.0.0.1:7070", "api_key": "sw_top", "timeout": "5"])
        let missing = #expect(throws: CLIError.self) { try file.values(profile: "home", path: "c.toml") }
        #expect(missing?.message == "no profile 'home' in c.toml (profiles: ci, work)")
    }

    @Test func badSectionsNameTheirLine() {
        for (text, problem) in [
            ("[work]\n", "c:1: unknown section [work]"),
            ("[profiles.a b]\n", "c:1: unknown section [profiles.a b]"),
            ("[profiles.a]\n[profiles.a]\n", "c:2: profile 'a' appears twice"),
            ("[profiles.a]\ntimeout = 1\ntimeout = 2\n", "c:3: 'timeout' is set twice in profile 'a'"),
        ] {
            let error = #expect(throws: CLIError.self) { try ConfigFile(parsing: text, path: "c") }
            #expect(error?.message.hasPrefix(problem) == true, "\(text): \(String(describing: error?.message))")
        }
    }

    /// Found by the FuzzConfigFile fuzz target: "\r\n" is one Swift
    /// `Character`, so splitting lines on "\n" kept a CRLF file as one line,
    /// and editing a file whose last line ended in "\r" made that "\r" and
    /// the appended "\n" one character, which no longer parsed.
    @Test func crlfLineEndingsParseAndEdit() throws {
        let crlf = "address = \"127.0.0.1:7070\"\r\n[profiles.work]\r\ntimeout = 5\r\n"
        let file = try ConfigFile(parsing: crlf)
        #expect(file.values == ["address": "127.0.0.1:7070"])
        #expect(file.profiles == ["work": ["timeout": "5"]])
        let edited = try ConfigFile.editing(crlf, profile: "work", key: "act_as", value: "acct_1")
        #expect(try ConfigFile(parsing: edited).profiles == ["work": ["timeout": "5", "act_as": "acct_1"]])

        let trailingCR = "address = \"a\"\ntimeout = 5\r"
        let text = try ConfigFile.editing(trailingCR, profile: nil, key: "address", value: "b")
        #expect(try ConfigFile(parsing: text).values == ["address": "b", "timeout": "5"])
    }

    /// Found by the FuzzConfigFile fuzz target: values were escaped by
    /// Character, so a CRLF inside a value (one Character, not "\n") was
    /// written raw and broke the line, and a combining mark after an escaped
    /// quote hid the quote from the parser.
    @Test func everyValueRendersToTextThatParsesBack() throws {
        for value in ["a\r\nb", "a\rb", "\r", "\"\u{301}x", "\\\u{301}", "\u{301}", "x\u{600}", "tab\there \"q\""] {
            let file = ConfigFile(values: ["act_as": value], profiles: ["p": ["address": value]])
            #expect(try ConfigFile(parsing: file.rendered()) == file, "\(value.debugDescription)")
            let edited = try ConfigFile.editing("", profile: "p", key: "timeout", value: value)
            #expect(try ConfigFile(parsing: edited).profiles["p"]?["timeout"] == value, "\(value.debugDescription)")
        }
    }

    @Test func editingKeepsEveryOtherLine() throws {
        // Replace in a profile: the comment on another line stays; the edited line is rewritten.
        var text = try ConfigFile.editing(Self.text, profile: "work", key: "api_key", value: "sw_new")
        #expect(
            text.contains("api_key = \"sw_new\"") && text.contains("# mine") && text.contains("api_key = \"sw_top\""))
        #expect(try ConfigFile(parsing: text).values(profile: "work")["api_key"] == "sw_new")
        // Insert at the top level: before the first profile, not inside it.
        text = try ConfigFile.editing(text, profile: nil, key: "timeout", value: "9")
        #expect(
            try ConfigFile(parsing: text).values == ["address": "127.0.0.1:7070", "api_key": "sw_top", "timeout": "9"])
        #expect(try ConfigFile(parsing: text).profiles["work"]?["timeout"] == nil)
        // A new profile is appended; removing a key removes only its line.
        text = try ConfigFile.editing(text, profile: "home", key: "address", value: "10.0.0.2:7070")
        #expect(text.hasSuffix("\n\n[profiles.home]\naddress = \"10.0.0.2:7070\"\n"), "\(text)")
        text = try ConfigFile.editing(text, profile: "ci", key: "timeout", value: nil)
        #expect(try ConfigFile(parsing: text).profiles["ci"] == [:])
        // Values with quotes and backslashes round-trip.
        text = try ConfigFile.editing("", profile: nil, key: "act_as", value: #"a"b\c"#)
        #expect(try ConfigFile(parsing: text).values["act_as"] == #"a"b\c"#)
        #expect(throws: CLIError.self) { try ConfigFile.editing("", profile: nil, key: "nope", value: "1") }
        #expect(throws: CLIError.self) { try ConfigFile.editing("", profile: "a b", key: "timeout", value: "1") }
        #expect(throws: CLIError.self) { try ConfigFile.editing("oops\n", profile: nil, key: "timeout", value: "1") }
    }
}

/// `sharewire login`, profiles and `config set|unset` against a real server.
@Suite(.timeLimit(.minutes(3)))
struct LoginAndProfileTests {
    @Test func loginSavesACheckedKeyAndProfilesSelectServers() async throws {
        try await CLIServer.with { server in
            let cli = try CLI()
            defer { cli.dir.remove() }
            let service = ["SHAREWIRE_SERVICE_KEY": CLIServer.serviceKey, "SHAREWIRE_ADDRESS": server.address]
            let key = try await cli.run("admin accounts create erin@example.com --key-only", env: service).out
            let configFile = cli.dir.file("home/.config/sharewire/config.toml")

            // A wrong key is refused and nothing is written.
            var result = try await cli.run(
                ["login", "--address", server.address], stdin: "sw_" + String(repeating: "1", count: 64) + "\n")
            #expect(result.status == 7, "\(result)")
            #expect(!FileManager.default.fileExists(atPath: configFile))
            result = try await cli.run(["login", "--address", server.address], stdin: "not-a-key\n")
            #expect(result.status == 3 && result.stderr.contains("start with sw_"), "\(result)")

            // The key on stdin, checked, saved with the address in a profile, mode 0600.
            result = try await cli.run(["login", "--profile", "work", "--address", server.address], stdin: key + "\n")
            #expect(result.status == 0, "\(result)")
            #expect(
                result.out
                    == "logged in as erin@example.com (acc_1) at \(server.address); key saved in \(configFile) (profile work)",
                "\(result)")
            let attributes = try FileManager.default.attributesOfItem(atPath: configFile)
            #expect((attributes[.posixPermissions] as? Int) == 0o600)
            // No key outside the profile: whoami needs the profile.
            result = try await cli.run(["whoami"])
            #expect(result.status == 12, "\(result)")
            result = try await cli.run(["whoami", "--profile", "work"])
            #expect(
                result.status == 0 && result.stdout.contains("erin@example.com") && result.stderr.isEmpty, "\(result)")
            result = try await cli.run(["whoami"], env: ["SHAREWIRE_PROFILE": "work"])
            #expect(result.status == 0, "\(result)")
            result = try await cli.run(["whoami", "--profile", "home"])
            #expect(
                result.status == 12 && result.stderr.contains("no profile 'home'")
                    && result.stderr.contains("(profiles: work)"),
                "\(result)")

            // config set / unset edit the profile; config show names it.
            result = try await cli.run(["config", "set", "address", "127.0.0.1:1", "--profile", "work"])
            #expect(
                result.status == 0 && result.out == "set address = 127.0.0.1:1 in \(configFile) (profile work)",
                "\(result)")
            result = try await cli.run(["whoami", "--profile", "work"])
            #expect(result.status == 10, "\(result)")
            result = try await cli.run(["config", "unset", "address", "--profile", "work"])
            #expect(result.status == 0, "\(result)")
            result = try await cli.run(["config", "set", "address", server.address])
            #expect(result.status == 0, "\(result)")
            result = try await cli.run(["config", "show", "--profile", "work", "--json"])
            let rows = try #require(try result.json() as? [[String: Any]])
            #expect(
                rows.contains { $0["name"] as? String == "profile" && $0["value"] as? String == "work" }, "\(result)")
            #expect(rows.contains { $0["name"] as? String == "address" && $0["value"] as? String == server.address })
            result = try await cli.run(["whoami", "--profile", "work"])
            #expect(result.status == 0, "\(result)")
            result = try await cli.run(["config", "set", "adress", "x"])
            #expect(result.status == 2 && result.stderr.contains("unknown key 'adress'"), "\(result)")
        }
    }
}
