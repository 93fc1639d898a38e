import ArgumentParser
import Foundation
import SharewireCLICore

/// Usage errors in the CLI's one error style (`error:` + `hint:`, or JSON
/// with `--json`), instead of ArgumentParser's `Error: …` and usage block.
enum UsageErrors {
    /// The command words `arguments` names, and the first word that names no
    /// command where one was expected (`device` in `sharewire device list`).
    static func walk(_ arguments: [String]) -> (path: [String], command: ParsableCommand.Type, unknown: String?) {
        var command: ParsableCommand.Type = Sharewire.self
        var path = ["sharewire"]
        for word in arguments {
            let subcommands = command.configuration.subcommands
            // Options end the walk: ArgumentParser judges them.
            guard !word.hasPrefix("-"), !subcommands.isEmpty else { break }
            if command == Sharewire.self, word == "help" { break }
            guard
                let next = subcommands.first(where: { name(of: $0) == word || $0.configuration.aliases.contains(word) })
            else {
                return (path, command, word)
            }
            command = next
            path.append(word)
        }
        return (path, command, nil)
    }

    /// The report for an unknown command word, if `arguments` has one.
    static func unknownCommand(in arguments: [String]) -> ErrorReport? {
        let (path, command, unknown) = walk(arguments)
        guard let unknown else { return nil }
        let names = command.configuration.subcommands.map(name(of:))
        let parent = path.joined(separator: " ")
        var hint = "`\(parent) --help` lists its commands"
        if let suggestion = Suggestions.phrase(Suggestions.closest(to: unknown, among: names)) {
            hint = suggestion + " (" + hint + ")"
        }
        return ErrorReport(CLIError(.usage, "unknown command '\(unknown)' for '\(parent)'", hint: hint))
    }

    /// The report for an error ArgumentParser threw while parsing.
    static func report(for error: any Error, arguments: [String]) -> ErrorReport {
        var message = Sharewire.message(for: error).trimmingCharacters(in: .whitespacesAndNewlines)
        if let first = message.first, first.isUppercase, !message.hasPrefix("API") {
            message = first.lowercased() + message.dropFirst()
        }
        let path = walk(arguments).path.joined(separator: " ")
        return ErrorReport(CLIError(.usage, message, hint: "`\(path) --help` shows the usage and an example"))
    }

    /// The connection options (and `--json`) given before the command
    /// (`sharewire --address h:7070 devices list`, as with kubectl) moved
    /// after it, where ArgumentParser expects them.
    static func movingLeadingOptions(_ arguments: [String]) -> [String] {
        var leading: [String] = []
        var index = 0
        while index < arguments.count {
            let word = arguments[index]
            let name = word.split(separator: "=", maxSplits: 1).first.map(String.init) ?? word
            if globalFlags.contains(word) {
                leading.append(word)
                index += 1
            } else if globalOptions.contains(name) {
                let takesNext = !word.contains("=") && index + 1 < arguments.count
                leading.append(contentsOf: arguments[index..<(index + (takesNext ? 2 : 1))])
                index += takesNext ? 2 : 1
            } else {
                break
            }
        }
        guard !leading.isEmpty, index < arguments.count else { return arguments }
        return Array(arguments[index...]) + leading
    }

    /// The options of ``ConnectionOptions`` that take a value.
    static let globalOptions: Set<String> = [
        "--address", "--api-key", "--service-key", "--service-key-file", "--act-as", "--tls-ca-file",
        "--tls-server-name", "--tls-cert", "--tls-key", "--config", "--profile", "--output", "-o", "--min-revision",
    ]
    /// Its flags. (ErrorExitTests checks both lists against `whoami --help`.)
    static let globalFlags: Set<String> = ["--tls", "--json", "--verbose", "-v"]

    /// True when the command line asks for JSON (`--json`, `-o json`, `--output json`).
    static func wantsJSON(_ arguments: [String]) -> Bool {
        for (index, word) in arguments.enumerated() {
            if word == "--json" || word == "--output=json" || word == "-o=json" { return true }
            if word == "-o" || word == "--output", index + 1 < arguments.count, arguments[index + 1] == "json" {
                return true
            }
        }
        return false
    }

    private static func name(of command: ParsableCommand.Type) -> String {
        command.configuration.commandName ?? String(describing: command).lowercased()
    }
}
