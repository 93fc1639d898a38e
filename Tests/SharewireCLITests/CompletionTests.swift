import Foundation
import SharewireTestSupport
import Testing

/// `sharewire completion bash|zsh`: the scripts load in the real shells, and
/// bash completes commands, device names and contact emails from the server.
@Suite(.timeLimit(.minutes(3)))
struct CompletionTests {
    /// Runs `shell -c script` with `sharewire` on the PATH; bounded to 30 s.
    static func shell(_ shell: String, _ script: String, env: [String: String]) async throws -> CLI.Result {
        let binDir = URL(fileURLWithPath: try CLI.binary()).deletingLastPathComponent().path
        let home = try TempDirectory("sharewire-completion")
        defer { home.remove() }
        return try await ChildProcess.run(
            "/usr/bin/env", [shell, "-c", script],
            environment: env.merging(["PATH": binDir + ":/usr/bin:/bin", "HOME": home.path, "LANG": "C.UTF-8"]) { $1 },
            timeout: .seconds(30))
    }

    /// Completes `line` with the loaded bash script, as bash calls `_sharewire`.
    static let bashHarness = #"""
        source <(sharewire completion bash) || exit 3
        complete_line() {
            COMP_LINE="$1"; COMP_POINT=${#COMP_LINE}
            read -ra COMP_WORDS <<< "$1"
            [[ "$1" == *" " ]] && COMP_WORDS+=("")
            COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); COMPREPLY=()
            _sharewire sharewire "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
            echo "$1 => ${COMPREPLY[*]}"
        }
        complete_line "sharewire dev"
        complete_line "sharewire share p"
        complete_line "sharewire share pi --with b"
        complete_line "sharewire share pi --with bob@example.com,b"
        complete_line "sharewire contacts rm b"
        complete_line "sharewire access edit pinas "
        """#

    @Test func bashCompletesCommandsDevicesAndEmailsFromTheServer() async throws {
        try await CLIServer.with { server in
            let cli = try CLI(address: server.address)
            defer { cli.dir.remove() }
            let key = try await cli.run(
                "admin accounts create alice@example.com --key-only",
                env: ["SHAREWIRE_SERVICE_KEY": CLIServer.serviceKey]
            ).out
            _ = try await cli.run(
                "admin accounts create bob@example.com", env: ["SHAREWIRE_SERVICE_KEY": CLIServer.serviceKey])
            let alice = ["SHAREWIRE_API_KEY": key]
            for line in [
                "contacts add bob@example.com", "contacts add bert@example.com",
                "devices add pi --service ssh:22", "devices add pinas --service ssh:22", "devices add nas",
            ] {
                #expect(try await cli.run(line, env: alice).status == 0, "\(line)")
            }
            let env = alice.merging(["SHAREWIRE_ADDRESS": server.address]) { $1 }
            let result = try await Self.shell("bash", Self.bashHarness, env: env)
            #expect(result.status == 0, "\(result)")
            let lines = result.stdout.split(separator: "\n").map(String.init)
            #expect(lines.contains("sharewire dev => devices"), "\(result)")
            #expect(lines.contains("sharewire share p => pi pinas"), "\(result)")
            // --with offers contacts with an account only (bert has none).
            #expect(lines.contains("sharewire share pi --with b => bob@example.com"), "\(result)")
            #expect(
                lines.contains("sharewire share pi --with bob@example.com,b => bob@example.com,bob@example.com"),
                "\(result)")
            #expect(lines.contains("sharewire contacts rm b => bob@example.com bert@example.com"), "\(result)")
            #expect(lines.contains("sharewire access edit pinas  => bob@example.com"), "\(result)")

            // No server: completion offers nothing, prints nothing, and stays quick.
            let offline = try await Self.shell(
                "bash", Self.bashHarness,
                env: alice.merging(["SHAREWIRE_ADDRESS": "127.0.0.1:1"]) { $1 })
            #expect(offline.status == 0 && offline.stderr.isEmpty, "\(offline)")
            #expect(offline.stdout.contains("sharewire share p => \n"), "\(offline)")
        }
    }

    @Test func theScriptsLoadInBashAndZsh() async throws {
        let bash = try await Self.shell(
            "bash", "source <(sharewire completion bash) && complete -p sharewire", env: [:])
        #expect(bash.status == 0 && bash.stdout.contains("-F _sharewire sharewire"), "\(bash)")
        let zsh = try await Self.shell(
            "zsh", "autoload -U compinit && compinit -u && source <(sharewire completion zsh) && whence -w _sharewire",
            env: [:])
        #expect(zsh.status == 0 && zsh.stdout.contains("_sharewire: function"), "\(zsh)")
        let fish = try await CLI().run(["completion", "fish"])
        #expect(fish.status == 0 && fish.stdout.contains("complete -c 'sharewire'"), "\(fish)")
        let unknown = try await CLI().run(["completion", "tcsh"])
        #expect(unknown.status == 2 && unknown.stderr.contains("choose bash, zsh or fish"), "\(unknown)")
    }
}
