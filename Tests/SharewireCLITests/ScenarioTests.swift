import Foundation
import Testing

/// The seed scenario, driven through the built `sharewire` binary against a
/// real `sharewired`.
@Suite("CLI end to end", .serialized)
struct ScenarioTests {
    @Test func seedScenario() async throws {
        try await CLIServer.with { server in
            let cli = try CLI(address: server.address)
            defer { cli.dir.remove() }
            let service = ["SHAREWIRE_SERVICE_KEY": CLIServer.serviceKey]

            // Two accounts: keys through --key-only and through --json.
            let created = try await cli.run("admin accounts create alice@example.com --key-only", env: service)
            #expect(created.status == 0, "\(created)")
            let alice = ["SHAREWIRE_API_KEY": created.out]
            #expect(created.out.hasPrefix("sw_"))
            let bobCreated = try await cli.run(
                "admin accounts create bob@example.com --language ja --json",
                env: service)
            #expect(bobCreated.status == 0, "\(bobCreated)")
            let bobJSON = try #require(try bobCreated.json() as? [String: Any])
            let bob = ["SHAREWIRE_API_KEY": try #require(bobJSON["apiKey"] as? String)]
            let bobID = try #require((bobJSON["account"] as? [String: Any])?["id"] as? String)
            let shown = try await cli.run("admin accounts show bob@example.com", env: service)
            #expect(shown.status == 0 && shown.stdout.contains(bobID) && shown.stdout.contains("ja"), "\(shown)")

            // Contacts: one with an account, one without (Japanese), invited.
            var result = try await cli.run("contacts add bob@example.com --first-name Bob --company Acme", env: alice)
            #expect(result.status == 0 && result.stdout.contains("bob@example.com"), "\(result)")
            result = try await cli.run("contacts add carol@example.jp --language ja", env: alice)
            #expect(result.status == 0, "\(result)")
            result = try await cli.run("contacts invite carol@example.jp", env: alice)
            #expect(result.status == 0, "\(result)")
            result = try await cli.run("contacts edit bob@example.com --last-name Smith", env: alice)
            #expect(result.status == 0 && result.stdout.contains("Bob Smith"), "\(result)")
            result = try await cli.run("contacts list --json", env: alice)
            let contacts = try #require(try result.json() as? [[String: Any]], "\(result)")
            #expect(contacts.map { $0["email"] as? String } == ["bob@example.com", "carol@example.jp"])
            #expect(contacts.map { $0["hasAccount"] as? Bool } == [true, false])
            #expect(contacts[1]["invitedAt"] is String)
            result = try await cli.run("contacts list", env: alice)
            #expect(result.stdout.hasPrefix("EMAIL "), "\(result)")

            // Two devices with ssh on 22.
            let pi = try await cli.run(
                [
                    "devices", "add", "pi", "--service", "ssh:22", "--service", "web:80/http",
                    "-q",
                ], env: alice
            ).out
            let nas = try await cli.run("devices add nas --service ssh:22 --quiet", env: alice).out
            #expect(pi.hasPrefix("dev_") && nas.hasPrefix("dev_") && pi != nas, "\(pi) \(nas)")

            // Services: add one, remove it by port.
            result = try await cli.run("devices services add nas vnc:5900", env: alice)
            #expect(result.status == 0 && result.stdout.contains("added vnc:5900/tcp"), "\(result)")
            result = try await cli.run("devices services rm nas 5900 --json", env: alice)
            #expect(((try result.json() as? [String: Any])?["removed"] as? [String])?.count == 1, "\(result)")

            // Bulk share by port 22 with scripting, by device names.
            result = try await cli.run("share pi nas --with bob@example.com --ports 22 --scripting", env: alice)
            #expect(result.status == 0 && result.stdout.contains("2 created"), "\(result)")
            #expect(result.stdout.contains("bob@example.com on pi (\(pi)): ports 22, scripting (new)\n"), "\(result)")

            // Refused: the contact without an account. Nothing is shared; stderr names the email.
            result = try await cli.run(
                "share pi nas --with bob@example.com,carol@example.jp --ports 22 --yes", env: alice)
            #expect(result.status == 8, "\(result)")
            #expect(result.stderr.hasPrefix("error: ") && result.stderr.contains("carol@example.jp"), "\(result)")
            #expect(result.stderr.contains("CONTACT_HAS_NO_ACCOUNT") && result.stdout.isEmpty, "\(result)")
            #expect(result.hasNoCrashOutput)

            // The recipient sees who shared and what.
            result = try await cli.run("devices list", env: bob)
            #expect(result.status == 0, "\(result)")
            #expect(
                result.stdout.contains("alice@example.com") && result.stdout.contains("ports 22, scripting"),
                "\(result)")
            result = try await cli.run("devices list --json", env: bob)
            let bobDevices = try #require(try result.json() as? [[String: Any]])
            #expect(bobDevices.count == 2)
            let role = try #require(bobDevices.first?["role"] as? [String: Any])
            #expect((role["shared"] as? [String: Any])?["by"] as? String == "alice@example.com")
            // ...and may not act as an owner.
            result = try await cli.run("devices rename nas mine", env: bob)
            #expect(result.status == 6 && result.stderr.contains("NOT_DEVICE_OWNER"), "\(result)")

            // Check: yes (0) and no (1), as the recipient, the owner and the broker.
            result = try await cli.run("check me pi 22", env: bob)
            #expect(result.status == 0 && result.out == "yes", "\(result)")
            result = try await cli.run("check me pi 80", env: bob)
            #expect(result.status == 1 && result.out == "no", "\(result)")
            result = try await cli.run("check me \(pi) --scripting", env: bob)
            #expect(result.status == 0 && result.out == "yes", "\(result)")
            result = try await cli.run("check bob@example.com pi 22 --json", env: alice)
            #expect(result.status == 0, "\(result)")
            #expect((try result.json() as? [String: Any])?["allowed"] as? Bool == true)
            result = try await cli.run("check \(bobID) \(pi) 22", env: service)
            #expect(result.status == 0 && result.out == "yes", "\(result)")

            // access edit, relative: --scripting alone keeps the ports; add then remove a port.
            result = try await cli.run("access edit pi bob@example.com --scripting", env: alice)
            #expect(result.status == 0 && result.stdout.hasPrefix("unchanged: bob@example.com on pi"), "\(result)")
            result = try await cli.run("access edit pi bob@example.com --add-ports 80", env: alice)
            #expect(
                result.status == 0 && result.out.hasSuffix("ports 22, scripting → ports 22,80, scripting"), "\(result)")
            result = try await cli.run(
                "access edit pi bob@example.com --remove-ports 22 --no-scripting --yes", env: alice)
            #expect(result.status == 0 && result.out.hasSuffix("ports 22,80, scripting → ports 80"), "\(result)")
            #expect(!result.out.contains(" at r"), "\(result)")
            result = try await cli.run("access list pi", env: alice)
            #expect(result.stdout.contains("bob@example.com") && result.stdout.contains("ports 80"), "\(result)")
            result = try await cli.run("check me pi 22", env: bob)
            #expect(result.status == 1, "\(result)")
            result = try await cli.run("check me pi 80", env: bob)
            #expect(result.status == 0, "\(result)")
            result = try await cli.run("devices show pi", env: alice)
            #expect(result.stdout.contains("SHARES") && result.stdout.contains("ports 80"), "\(result)")

            // Common sharees, then the recipient leaves one device.
            result = try await cli.run("common-sharees pi nas", env: alice)
            #expect(result.status == 0 && result.stdout.contains("bob@example.com"), "\(result)")
            result = try await cli.run("leave nas -y", env: bob)
            #expect(result.status == 0 && result.stdout.contains("left 1"), "\(result)")
            result = try await cli.run("common-sharees pi nas --json", env: alice)
            #expect((try result.json() as? [Any])?.isEmpty == true, "\(result)")

            // Unshare, share again, transfer: the shares end, bob owns pi.
            // Without a terminal a destructive command needs --yes, and changes nothing without it.
            result = try await cli.run("unshare pi --from bob@example.com", env: alice)
            #expect(
                result.status == 2 && result.stderr.contains("unshare needs confirmation and there is no terminal")
                    && result.stderr.contains("--yes"), "\(result)")
            // --dry-run: no question, the server's answer, nothing changed.
            result = try await cli.run("unshare pi --from bob@example.com --dry-run", env: alice)
            #expect(result.status == 0 && result.out == "(dry run: nothing was changed) removed 1 share", "\(result)")
            result = try await cli.run("access list pi -o name", env: alice)
            #expect(result.out == "bob@example.com", "\(result)")
            result = try await cli.run("unshare pi --from bob@example.com --yes", env: alice)
            #expect(result.status == 0 && result.stdout.contains("removed 1"), "\(result)")
            result = try await cli.run("transfer pi --to bob@example.com --yes", env: alice)
            #expect(result.status == 0 && result.stdout.contains("transferred 1"), "\(result)")
            result = try await cli.run("devices list --json", env: bob)
            let afterTransfer = try #require(try result.json() as? [[String: Any]])
            #expect(afterTransfer.map { $0["id"] as? String } == [pi])
            #expect((afterTransfer.first?["role"] as? [String: Any])?["owned"] != nil)

            // Events: the audit trail of all that.
            result = try await cli.run("events", env: alice)
            for kind in [
                "contact.invited", "service.added", "service.removed", "share.created", "share.updated",
                "share.removed", "device.transferred",
            ] {
                #expect(result.stdout.contains(kind), "\(kind): \(result)")
            }
            result = try await cli.run("events --kind share.left --json", env: alice)
            #expect((try result.json() as? [Any])?.count == 1, "\(result)")

            // The access-change feed from the start: the bulk share first, one line per device.
            result = try await cli.run(
                ["access", "watch", "--after", "0", "--limit", "2", "--timeout", "20", "--json"],
                env: alice)
            #expect(result.status == 0, "\(result)")
            let changes = try result.stdout.split(separator: "\n").map {
                try #require(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
            }
            #expect(changes.map { $0["kind"] as? String } == ["share.created", "share.created"], "\(result)")
            #expect(
                changes.map { $0["deviceID"] as? String } == [pi, nas]
                    && changes.allSatisfy { $0["userID"] as? String == bobID })
            result = try await cli.run(
                ["access", "watch", "--after", "0", "--limit", "1", "--timeout", "20"], env: bob)
            #expect(result.status == 0 && result.stdout.contains(" \(bobID) share.created → ports 22"), "\(result)")
            // A revision the server has not written: OUT_OF_RANGE, exit 3; nothing more within the timeout: exit 0.
            result = try await cli.run(["access", "watch", "--after", "999999", "--timeout", "5"], env: alice)
            #expect(result.status == 3 && result.stderr.contains("ACCESS_CURSOR_UNKNOWN"), "\(result)")
            result = try await cli.run(["access", "watch", "--timeout", "0.5"], env: alice)
            #expect(result.status == 0 && result.stdout.isEmpty, "\(result)")

            // Notifications: the invite in Japanese, bob's share in Japanese (his language).
            result = try await cli.run(
                ["notifications", "watch", "--limit", "3", "--timeout", "20", "--json"],
                env: service)
            #expect(result.status == 0, "\(result)")
            let lines = result.stdout.split(separator: "\n")
            #expect(lines.count == 3, "\(result)")
            let notes = try lines.map {
                try #require(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
            }
            let invite = try #require(notes.first { $0["kind"] as? String == "invite" }, "\(result)")
            #expect(invite["recipientEmail"] as? String == "carol@example.jp")
            #expect(invite["language"] as? String == "ja")
            #expect((invite["subject"] as? String).map(Self.hasJapanese) == true, "\(invite)")
            let share = try #require(notes.first { $0["kind"] as? String == "share.created" }, "\(result)")
            #expect(share["recipientEmail"] as? String == "bob@example.com")
            #expect((share["body"] as? String).map(Self.hasJapanese) == true, "\(share)")

            // Human output, with --ack: the next watch starts after what was acknowledged.
            result = try await cli.run(
                ["notifications", "watch", "--limit", "1", "--ack", "--timeout", "20"],
                env: service)
            #expect(result.status == 0 && result.stdout.hasPrefix("#1 invite → carol@example.jp (ja)"), "\(result)")
            result = try await cli.run(["notifications", "watch", "--limit", "1", "--timeout", "20"], env: service)
            #expect(result.status == 0 && result.stdout.hasPrefix("#2 "), "\(result)")
            // Nothing past the end within the timeout: with --limit that is exit 11, without it exit 0.
            result = try await cli.run(
                ["notifications", "watch", "--from", "1000", "--limit", "1", "--timeout", "0.5"],
                env: service)
            #expect(result.status == 11, "\(result)")
            result = try await cli.run(["notifications", "watch", "--from", "1000", "--timeout", "0.5"], env: service)
            #expect(result.status == 0 && result.stdout.isEmpty, "\(result)")
            // Ctrl-C: what was printed stays, exit 130, no error message.
            result = try await cli.interrupt(["notifications", "watch"], env: service, after: "#2 ")
            #expect(result.status == 130 && result.stdout.hasPrefix("#2 ") && result.stderr.isEmpty, "\(result)")
            result = try await cli.run("notifications ack 2", env: service)
            #expect(result.status == 0 && result.out == "acknowledged through #2", "\(result)")
            result = try await cli.run(["notifications", "watch", "--limit", "1", "--timeout", "20"], env: service)
            #expect(result.status == 0 && result.stdout.hasPrefix("#3 share.updated"), "\(result)")
            // A named consumer has its own cursor: it starts at the beginning, and its ack leaves "default" alone.
            result = try await cli.run(
                [
                    "notifications", "watch", "--consumer", "audit", "--limit", "1", "--ack",
                    "--timeout", "20",
                ], env: service)
            #expect(result.status == 0 && result.stdout.hasPrefix("#1 invite"), "\(result)")
            result = try await cli.run("notifications ack 0 --consumer audit", env: service)
            #expect(result.status == 0 && result.out == "acknowledged through #1", "\(result)")
            result = try await cli.run("notifications ack 0", env: service)
            #expect(result.status == 0 && result.out == "acknowledged through #2", "\(result)")
            result = try await cli.run("notifications ack 0 --consumer no/slash", env: service)
            #expect(result.status == 3 && result.stderr.contains("consumer"), "\(result)")  // INVALID_ARGUMENT
        }
    }

    static func hasJapanese(_ text: String) -> Bool {
        text.unicodeScalars.contains { (0x3040...0x30FF).contains($0.value) || (0x4E00...0x9FFF).contains($0.value) }
    }
}
