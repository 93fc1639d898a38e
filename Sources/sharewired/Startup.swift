import ArgumentParser
import Foundation
import NIOCore

/// Start-up failures an operator can fix: printed as one line on stderr
/// (`sharewired: …`, no stack trace), then the process exits 1.
struct StartupFailure: Error {
    let message: String

    /// Prints the message and returns the exit to throw from `run()`.
    func report() -> ExitCode {
        FileHandle.standardError.write(Data("sharewired: \(message)\n".utf8))
        return .failure
    }

    /// A listener that could not bind. A busy port says which one and how to
    /// pick another; anything else gives the system's error.
    static func listen(host: String, port: Int, flag: String, error: any Error) -> StartupFailure {
        let endpoint = Endpoint.text(host: host, port: port)
        if let io = error as? IOError, io.errnoCode == EADDRINUSE {
            return StartupFailure(
                message: "cannot listen on \(endpoint): address already in use "
                    + "(is another sharewired running? choose another port with \(flag))")
        }
        return StartupFailure(message: "cannot listen on \(endpoint): \(error)")
    }
}

/// `host:port` as people type it: `127.0.0.1:7070`, `[::1]:7070`.
enum Endpoint {
    static func text(host: String, port: Int) -> String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }

    /// A bound address (NIO's own description is `[IPv4]127.0.0.1/127.0.0.1:7070`).
    static func text(_ address: SocketAddress) -> String {
        guard let ip = address.ipAddress, let port = address.port else { return "\(address)" }
        return text(host: ip, port: port)
    }
}

/// `--create-service-key`: a new random key in a file that does not exist yet.
enum ServiceKeyFile {
    /// Creates `path` (and its directory) holding 32 random bytes as 64 hex
    /// digits, mode 0600, unless it exists. Returns whether it created it.
    static func createIfMissing(_ path: String) throws -> Bool {
        if FileManager.default.fileExists(atPath: path) { return false }
        // Not NSString.deletingLastPathComponent: it traps on a one-character
        // relative path such as `k` (swift-corelibs-foundation, Swift 6.2).
        let directory = path.lastIndex(of: "/").map { String(path[..<$0]) } ?? ""
        if !directory.isEmpty {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        var generator = SystemRandomNumberGenerator()
        let hex = (0..<32).map { _ in String(format: "%02x", UInt8.random(in: .min ... .max, using: &generator)) }
            .joined()
        // O_EXCL: never overwrite a key another process just wrote.
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard fd >= 0 else {
            if errno == EEXIST { return false }
            throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO)
        }
        let handle = FileHandle(fileDescriptor: fd, closeOnDealloc: true)
        try handle.write(contentsOf: Data((hex + "\n").utf8))
        try handle.synchronize()
        return true
    }
}
