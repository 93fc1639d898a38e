import Foundation
import SharewireClient
import SharewireTestSupport
import Testing

/// The `sharewire-example` executable runs against a real server.
@Suite("sharewire-example")
struct ExampleTests {
    @Test("service-to-service check and bulk share run end to end")
    func runsAgainstSharewired() async throws {
        let binary = URL(fileURLWithPath: try ServerProcess.binary()).deletingLastPathComponent()
            .appendingPathComponent("sharewire-example").path
        try #require(FileManager.default.isExecutableFile(atPath: binary), "build the package first: \(binary)")
        try await LiveServer.with { server in
            let process = Process()
            process.executableURL = URL(fileURLWithPath: binary)
            process.arguments = ["--address", server.endpoint.description]
            process.environment = ["SHAREWIRE_SERVICE_KEY": LiveServer.serviceKey]
            let output = server.dir.file("example.out")
            _ = FileManager.default.createFile(atPath: output, contents: nil)
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: output))
            process.standardOutput = handle
            process.standardError = handle
            try process.run()
            let clock = ContinuousClock()
            let end = clock.now + .seconds(60)
            while process.isRunning, clock.now < end { try await Task.sleep(for: .milliseconds(20)) }
            if process.isRunning { process.terminate() }
            try handle.close()
            let text = try String(contentsOfFile: output, encoding: .utf8)
            #expect(process.terminationStatus == 0, "\(text)")
            #expect(text.contains("bulk share: 9 created, 0 updated"))
            #expect(text.hasSuffix("ok\n"))
        }
    }
}
