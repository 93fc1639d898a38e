import ArgumentParser
import Foundation
import SharewireCLICore
import SharewireClient

/// `sharewire login [--profile NAME]`: checks an API key with Whoami and
/// saves it (and the address, if one was given) in the config file.
struct LoginCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "login", abstract: "Check an API key and save it in the config file (mode 0600).",
        discussion: """
            The key is read from the terminal without echo (or the first line of stdin when it is not a \
            terminal), checked with the server, and saved as api_key in the config file, in the profile given \
            with --profile (a new [profiles.NAME] section if need be). An address given by --address or \
            SHAREWIRE_ADDRESS is saved too, so a profile remembers its server.

            \(example("sharewire login",
                      "sharewire login --profile work --address sharewire.example.com:7070",
                      "printf '%s\\n' \"$KEY\" | sharewire login --profile ci"))
            """)
    @OptionGroup var connection: ConnectionOptions

    struct LoggedIn: Encodable {
        var account: Account
        var address: String
        var configFile: String
        var profile: String?
    }

    func run() async throws {
        try await connection.run(.none, requireProfile: false) { _, output in
            let location = try ConfigWriter.location(connection)
            let key = try connection.apiKey ?? Self.readKey()
            guard key.hasPrefix("sw_") else {
                throw CLIError(
                    .invalidArgument, "that is not an API key: they start with sw_",
                    hint: "create one with `sharewire admin accounts create EMAIL` (service key)")
            }
            let settings = try connection.settings(requireProfile: false)
            let client = SharewireClient(configuration: settings.clientConfiguration(credentials: .apiKey(key)))
            defer { client.close() }
            let account = try await client.whoami()

            let profile = connection.selectedProfile
            var text = try ConfigWriter.read(location)
            text = try ConfigFile.editing(text, path: location, profile: profile, key: "api_key", value: key)
            if settings.endpoints.source >= .environment {
                text = try ConfigFile.editing(
                    text, path: location, profile: profile, key: "address",
                    value: settings.address)
            }
            try ConfigWriter.write(text, to: location)
            output.emit(
                LoggedIn(
                    account: account, address: settings.address,
                    configFile: location, profile: profile)
            ) {
                "logged in as \(account.email) (\(account.id)) at \(settings.address); key saved in \(location)"
                    + (profile.map { " (profile \($0))" } ?? "") + "\n"
            }
        }
    }

    /// The key from the terminal, echo off, or the first line of a non-terminal stdin.
    static func readKey() throws(CLIError) -> String {
        let terminal = isatty(STDIN_FILENO) == 1
        var saved = termios()
        if terminal {
            FileHandle.standardError.write(Data("API key (sw_…): ".utf8))
            tcgetattr(STDIN_FILENO, &saved)
            var silent = saved
            silent.c_lflag &= ~tcflag_t(ECHO)
            tcsetattr(STDIN_FILENO, TCSANOW, &silent)
        }
        let line = readLine(strippingNewline: true)
        if terminal {
            tcsetattr(STDIN_FILENO, TCSANOW, &saved)
            FileHandle.standardError.write(Data("\n".utf8))
        }
        guard let key = line?.trimmingCharacters(in: .whitespaces), !key.isEmpty else {
            throw CLIError(.usage, "no API key given", hint: "paste it when asked, pipe it on stdin, or pass --api-key")
        }
        return key
    }
}

/// Reads and writes the config file for `login` and `config set|unset`.
enum ConfigWriter {
    /// The config file's path for these options.
    static func location(_ connection: ConnectionOptions) throws(CLIError) -> String {
        guard
            let location = ConfigLocation.resolve(
                flag: connection.config, environment: ProcessInfo.processInfo.environment)
        else {
            throw CLIError(.config, "no home directory to keep a config file in", hint: "give one with --config PATH")
        }
        return location.path
    }

    /// The file's text, or "" if it does not exist yet.
    static func read(_ path: String) throws(CLIError) -> String {
        guard FileManager.default.fileExists(atPath: path) else { return "" }
        do {
            return try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw CLIError(.config, "cannot read the config file \(path): \(FileErrors.describe(error))")
        }
    }

    /// Replaces the file with `text`, mode 0600 (it may hold keys), by a
    /// rename so a reader never sees half a file; creates its directory (0700).
    static func write(_ text: String, to path: String) throws(CLIError) {
        let directory = path.lastIndex(of: "/").map { String(path[..<$0]) } ?? "."
        let temporary = path + ".tmp-\(getpid())"
        do {
            if !directory.isEmpty {
                try FileManager.default.createDirectory(
                    atPath: directory, withIntermediateDirectories: true,
                    attributes: [.posixPermissions: 0o700])
            }
            guard
                FileManager.default.createFile(
                    atPath: temporary, contents: Data(text.utf8),
                    attributes: [.posixPermissions: 0o600])
            else {
                throw CLIError(.config, "cannot write the config file \(path): cannot create \(temporary)")
            }
            guard rename(temporary, path) == 0 else {
                let reason = String(cString: strerror(errno))
                unlink(temporary)
                throw CLIError(.config, "cannot write the config file \(path): \(reason)")
            }
        } catch let error as CLIError {
            throw error
        } catch {
            throw CLIError(.config, "cannot write the config file \(path): \(FileErrors.describe(error))")
        }
    }
}
