import Foundation
import SharewireTestSupport
import Testing

/// The package root, for the scripts under tools/.
let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().path

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Polls `condition` every 50 ms until it holds or `timeout` passes.
func waitUntil(_ what: String, timeout: Duration = .seconds(60), _ condition: () async throws -> Bool) async throws {
    let end = ContinuousClock.now + timeout
    while ContinuousClock.now < end {
        if try await condition() { return }
        try await Task.sleep(for: .milliseconds(50))
    }
    if try await condition() { return }
    throw TestFailure("timed out after \(timeout) waiting for \(what)")
}

extension ChildProcess {
    /// Starts `executable arguments…` with the test runner's environment,
    /// minus its service key, plus `environment`; stdout and stderr both
    /// into `logPath`.
    static func logging(
        _ executable: String, _ arguments: [String], environment: [String: String] = [:], to logPath: String
    ) throws -> ChildProcess {
        try ChildProcess(
            executable, arguments, environment: ServerProcess.environment(environment), stdoutPath: logPath,
            mergeStderr: true)
    }

    /// What it printed (stdout and stderr of a ``logging(_:_:environment:to:)`` child).
    var log: String { stdout }
}

/// tools/smtp-sink (Debian's python3-aiosmtpd) on a free loopback port.
struct SMTPSink {
    let dir: String
    let port: Int
    let child: ChildProcess

    static func start(in dir: String, arguments: [String] = []) async throws -> SMTPSink {
        let child = try ChildProcess.logging(
            "/usr/bin/python3", ["\(packageRoot)/tools/smtp-sink", dir] + arguments, to: dir + "-sink.log")
        var port: Int?
        do {
            try await waitUntil("the SMTP sink to listen", timeout: .seconds(30)) {
                if !child.isRunning { throw TestFailure("smtp-sink exited:\n\(child.log)") }
                port = (try? String(contentsOfFile: dir + "/port", encoding: .utf8))
                    .flatMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
                return port != nil
            }
        } catch {
            child.killIfRunning()
            throw error
        }
        return SMTPSink(dir: dir, port: port!, child: child)
    }

    /// The accepted messages' files (`NNNNNN.eml`), in arrival order.
    func messageFiles() -> [String] {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: dir + "/messages")) ?? []
        return files.filter { $0.hasSuffix(".eml") }.sorted().map { dir + "/messages/" + $0 }
    }

    var rejections: [String] {
        ((try? String(contentsOfFile: dir + "/rejections.log", encoding: .utf8)) ?? "")
            .split(separator: "\n").map(String.init)
    }
}

/// A message as Python's `email` package reads it back: an independent
/// check of the MIME structure and the RFC 2047 decoding.
struct ParsedMail: Decodable {
    let from: String
    let to: String
    let subject: String
    let messageID: String
    let date: String
    let contentType: String
    let charset: String
    let transferEncoding: String
    let contentLanguage: String
    let autoSubmitted: String
    let body: String
    /// The `text/html` alternative, decoded ("" when there is none).
    let html: String
    /// The content types of the leaf parts, in order.
    let partTypes: [String]
    let defects: [String]
    let envelopeFrom: String
    let envelopeTo: [String]

    /// The notification sequence in the Message-ID (`<notification-N@…>`).
    var sequence: UInt64 {
        UInt64(messageID.dropFirst("<notification-".count).prefix { $0.isNumber }) ?? 0
    }

    static let script = #"""
        import email, email.policy, json, sys
        def parse(path):
          raw = open(path, "rb").read()
          m = email.message_from_bytes(raw, policy=email.policy.default)
          env = json.load(open(path[:-4] + ".json"))
          part = m.get_body(preferencelist=("plain",))
          html = m.get_body(preferencelist=("html",))
          leaves = [p for p in m.walk() if not p.is_multipart()]
          defects = [repr(d) for p in m.walk() for d in p.defects]
          return {
            "from": str(m["From"]), "to": str(m["To"]), "subject": str(m["Subject"]),
            "messageID": str(m["Message-ID"]), "date": str(m["Date"]), "contentType": m.get_content_type(),
            "charset": str(part.get_content_charset()), "transferEncoding": str(part["Content-Transfer-Encoding"]),
            "contentLanguage": str(m["Content-Language"]), "autoSubmitted": str(m["Auto-Submitted"]),
            "body": part.get_content().replace("\r\n", "\n"), "defects": defects,
            "html": html.get_content().replace("\r\n", "\n") if html is not None else "",
            "partTypes": [p.get_content_type() for p in leaves],
            "envelopeFrom": env["mail_from"], "envelopeTo": env["rcpt_tos"],
          }
        print(json.dumps([parse(path) for path in sys.argv[1:]]))
        """#

    /// Parses a delivered message with Python's `email` package. Awaits the
    /// process (bounded) instead of blocking a thread of the cooperative pool.
    static func parse(_ path: String) async throws -> ParsedMail {
        let mails = try await parseAll([path])
        guard let mail = mails.first else { throw TestFailure("python parsed nothing from \(path)") }
        return mail
    }

    /// Every file parsed, in order, by one python process (a process per
    /// file cost ~40 ms of CPU each: the mailer suites parse about a hundred).
    static func parseAll(_ paths: [String]) async throws -> [ParsedMail] {
        guard !paths.isEmpty else { return [] }
        let output = try await Python.run(script, paths, what: "parsing \(paths.count) message(s)")
        return try JSONDecoder().decode([ParsedMail].self, from: output)
    }
}

/// A GET on loopback through Python's urllib (already a test dependency):
/// the status and the body, 5xx included.
enum HTTPGet {
    static func fetch(port: Int, path: String) async throws -> (status: Int, body: String) {
        let output = try await Python.run(
            """
            import sys, urllib.request, urllib.error
            try:
                r = urllib.request.urlopen(sys.argv[1], timeout=10)
                status, body = r.status, r.read()
            except urllib.error.HTTPError as e:
                status, body = e.code, e.read()
            sys.stdout.write(str(status) + "\\n" + body.decode())
            """, ["http://127.0.0.1:\(port)\(path)"], what: "GET \(path) on port \(port)")
        let text = String(decoding: output, as: UTF8.self)
        let newline = text.firstIndex(of: "\n") ?? text.endIndex
        return (Int(text[..<newline]) ?? 0, String(text[newline...].dropFirst()))
    }

    /// The port of the "HTTP endpoint listening" log line (`address=[IPv4]127.0.0.1/127.0.0.1:PORT`).
    static func port(fromLog log: String) -> Int? {
        guard let line = log.split(separator: "\n").first(where: { $0.contains("HTTP endpoint listening") }),
            let address = line.split(separator: " ").first(where: { $0.hasPrefix("address=") }),
            let colon = address.lastIndex(of: ":")
        else { return nil }
        return Int(address[address.index(after: colon)...].prefix { $0.isNumber })
    }
}

/// Runs `/usr/bin/python3 -c script args…` and returns its standard output.
enum Python {
    static func run(_ script: String, _ arguments: [String], what: String) async throws -> Data {
        let result = try await ChildProcess.run("/usr/bin/python3", ["-c", script] + arguments, timeout: .seconds(30))
        guard result.status == 0 else { throw TestFailure("python failed \(what): \(result)") }
        return Data(result.stdoutBytes)
    }
}
