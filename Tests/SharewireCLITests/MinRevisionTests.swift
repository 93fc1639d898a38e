import Foundation
import SharewireCLICore
import Testing

/// `--min-revision` / `SHAREWIRE_MIN_REVISION`: every read of the command
/// asks for at least that revision. On one server a revision it has answers
/// at once; one it has not reached fails with REVISION_NOT_REACHED at the
/// call's timeout (exit 11). The cross-instance case runs in
/// `tools/quickstart --cluster`.
@Suite(.timeLimit(.minutes(2)))
struct MinRevisionTests {
    @Test func revisionSyntax() throws {
        #expect(try ArgumentSyntax.revision("r12") == 12)
        #expect(try ArgumentSyntax.revision("12") == 12)
        #expect(try ArgumentSyntax.revision("0") == 0)
        for bad in ["", "r", "R12", "r-1", "12r", "r 12", "x", "r١٢", "18446744073709551616"] {
            #expect {
                try ArgumentSyntax.revision(bad)
            } throws: {
                ($0 as? CLIError)?.exitCode == .usage && ($0 as? CLIError)?.message.contains("'\(bad)'") == true
            }
        }
    }

    @Test func readsWaitForTheRevisionOrTimeOut() async throws {
        try await CLIServer.with { server in
            let cli = try CLI(address: server.address)
            defer { cli.dir.remove() }
            let alice = try await cli.account("alice@example.com")
            let bob = try await cli.account("bob@example.com")
            try await cli.runAll(["contacts add bob@example.com", "devices add pi --service ssh:22"], env: alice)
            // A write that prints a table says its revision on a line of its own.
            let nas = try await cli.run("-v devices add nas --service web:80", env: alice)
            let last = nas.out.split(separator: "\n").last.map(String.init) ?? ""
            #expect(nas.status == 0 && last.hasPrefix("committed at r") && UInt64(last.dropFirst(14)) != nil, "\(nas)")
            // A write with -v ends its line with the revision it committed at.
            let shared = try await cli.run("-v share pi --with bob@example.com --ports 22", env: alice)
            let revision = try #require(
                shared.out.split(separator: " ").last.map(String.init).flatMap { $0.hasPrefix("r") ? $0 : nil },
                "\(shared)")
            let number = try #require(UInt64(revision.dropFirst()), "\(shared)")

            // The revision the write printed, as a flag and from the environment.
            var result = try await cli.run(["check", "me", "pi", "22", "--min-revision", revision], env: bob)
            #expect(result.status == 0 && result.out == "yes", "\(result)")
            result = try await cli.run(
                ["devices", "list", "-o", "name"], env: alice.merging(["SHAREWIRE_MIN_REVISION": "\(number)"]) { $1 })
            #expect(result.status == 0 && result.out.split(separator: "\n").count == 2, "\(result)")

            // A revision the server has not reached: the read waits for the
            // call's timeout, then says which revision it was waiting for.
            let ahead = "r\(number + 1_000)"
            result = try await cli.run(
                ["check", "me", "pi", "22", "--min-revision", ahead],
                env: bob.merging(["SHAREWIRE_TIMEOUT": "1"]) { $1 })
            #expect(result.status == 11, "\(result)")
            #expect(
                result.stderr.contains("REVISION_NOT_REACHED")
                    && result.stderr.contains("revision \(number + 1_000) not reached"), "\(result)")
            #expect(result.hasNoCrashOutput, "\(result)")

            // Bad syntax is a usage error before any call.
            result = try await cli.run(["check", "me", "pi", "22", "--min-revision", "latest"], env: bob)
            #expect(result.status == 2 && result.stderr.contains("not a revision: 'latest'"), "\(result)")
        }
    }
}
