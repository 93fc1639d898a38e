import ArgumentParser
import Foundation
import SharewireCLICore
import SharewireClient

/// `sharewire completion bash|zsh|fish`: the shell completion script.
struct CompletionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "completion", abstract: "Print the shell completion script for bash, zsh or fish.",
        discussion: """
            Commands and options complete from the command definitions; device names and contact \
            emails complete from the server, with the settings of the environment and the config file \
            (nothing is printed if the server cannot be reached within a second).

            \(example("source <(sharewire completion bash)          # bash, e.g. in ~/.bashrc",
                      "sharewire completion zsh > \"${fpath[1]}/_sharewire\"",
                      "sharewire completion fish > ~/.config/fish/completions/sharewire.fish"))
            """)

    @Argument(
        help: ArgumentHelp("bash, zsh or fish.", valueName: "shell"),
        completion: .list(CompletionShell.allCases.map(\.rawValue)))
    var shell: String

    func validate() throws {
        if CompletionShell(rawValue: shell) == nil {
            throw ValidationError("no completion for the shell '\(shell)': choose bash, zsh or fish")
        }
    }

    func run() throws {
        guard let kind = CompletionShell(rawValue: shell) else { return }
        FileHandle.standardOutput.write(Data(Sharewire.completionScript(for: kind).utf8))
    }
}

/// Completions that ask the server: device names and contact emails.
enum ServerCompletion {
    /// Device names (and ids of unnamed duplicates) starting with the word being completed.
    static let devices = CompletionKind.custom { _, _, prefix in
        await lookup { client in
            try await client.devices(pageSize: 500).collect(limit: 10_000).flatMap { [$0.name, $0.id] }
        }.filter { $0.hasPrefix(prefix) }
    }

    /// Contact emails (only those with an account when `accountsOnly`); in
    /// a comma-separated list, the part after the last comma.
    static func emails(accountsOnly: Bool = false) -> CompletionKind {
        .custom { _, _, prefix in
            let done = prefix.lastIndex(of: ",").map { String(prefix[...$0]) } ?? ""
            let partial = prefix.dropFirst(done.count)
            return await lookup { client in
                try await client.contacts(pageSize: 500).collect(limit: 10_000)
                    .filter { !accountsOnly || $0.hasAccount }.map(\.email)
            }.filter { $0.hasPrefix(partial) }.map { done + $0 }
        }
    }

    /// Runs `body` against the configured server as the configured account,
    /// within a second; any failure completes nothing (a completion must never print an error).
    static func lookup(_ body: @escaping @Sendable (SharewireClient) async throws -> [String]) async -> [String] {
        guard let options = try? ConnectionOptions.parse([]), let settings = try? options.settings(),
            let credentials = try? settings.credentials(for: .account)
        else { return [] }
        var configuration = settings.clientConfiguration(credentials: credentials, connectTimeout: .seconds(1))
        configuration.defaultTimeout = .seconds(1)
        let client = SharewireClient(configuration: configuration)
        defer { client.close() }
        return (try? await body(client)) ?? []
    }
}
