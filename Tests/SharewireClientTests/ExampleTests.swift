import Foundation
import SharewireClient
import SharewireTestSupport
import Testing

/// The `sharewire-example` executable runs against a real server.
@Suite("sharewire-example")
struct ExampleTests {
    @Test("service-to-service check and bulk share run end to end")
    func runsAgainstSharewired() async throws {
        let binary = try builtBinary(named: "sharewire-example", environmentVariable: "SHAREWIRE_EXAMPLE_BIN")
        try await LiveServer.with { server in
            let result = try await ChildProcess.run(
                binary, ["--address", server.endpoint.description],
                environment: ["SHAREWIRE_SERVICE_KEY": LiveServer.serviceKey], mergeStderr: true, timeout: .seconds(60))
            let text = result.stdout
            #expect(result.status == 0, "\(text)")
            #expect(text.contains("bulk share: 9 created, 0 updated"))
            #expect(text.hasSuffix("ok\n"))
        }
    }
}
