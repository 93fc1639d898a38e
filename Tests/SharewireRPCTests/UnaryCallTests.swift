import NIOCore
import SharewireMessages
import SharewireRPC
import Testing

@Suite(.timeLimit(.minutes(1)))
struct UnaryCallTests {
    @Test func echoRoundTrip() async throws {
        let server = try await TestServer.start()
        let client = server.client()
        let reply = try await client.unary(
            Sharewire_V1.Diagnostics.Method.Echo.descriptor, EchoRequest(payload: Array("hello".utf8)),
            responseType: EchoResponse.self)
        #expect(reply.payload == Array("hello".utf8))
        client.close()
        await server.stop()
    }

    @Test func thousandConcurrentCallsOnOneConnection() async throws {
        let server = try await TestServer.start()
        let client = server.client(connections: 1)
        try await client.connect()
        let mismatches = try await withThrowingTaskGroup(of: Bool.self) { group in
            for i in 0..<1000 {
                group.addTask {
                    let payload = Array("call-\(i)-".utf8) + Array(repeating: UInt8(i % 251), count: i % 97)
                    let reply = try await client.unary(
                        Sharewire_V1.Diagnostics.Method.Echo.descriptor,
                        EchoRequest(payload: payload, delayMs: UInt32(i % 3)),
                        responseType: EchoResponse.self)
                    return reply.payload == payload
                }
            }
            var mismatches = 0
            for try await ok in group where !ok { mismatches += 1 }
            return mismatches
        }
        #expect(mismatches == 0)
        #expect(server.server.connectionCount == 1)
        client.close()
        await server.stop()
    }

    @Test func handlerErrorCarriesStatusAndMessage() async throws {
        let server = try await TestServer.start()
        let client = server.client()
        let error = await #expect(throws: RPCError.self) {
            _ = try await client.unary(
                Sharewire_V1.Diagnostics.Method.Echo.descriptor,
                EchoRequest(failCode: StatusCode.permissionDenied.rawValue, failMessage: "nope"),
                responseType: EchoResponse.self)
        }
        #expect(error?.code == .permissionDenied)
        #expect(error?.message == "nope")
        #expect(error?.notProcessed == false)
        client.close()
        await server.stop()
    }

    @Test func unknownMethodIsUnimplemented() async throws {
        let server = try await TestServer.start()
        let client = server.client()
        let error = await #expect(throws: RPCError.self) {
            _ = try await client.unary(
                MethodDescriptor(path: "/sharewire.v1.Nope/Missing"), EchoRequest(),
                responseType: EchoResponse.self)
        }
        #expect(error?.code == .unimplemented)
        #expect(error?.details.first?.reason == "UNKNOWN_METHOD")
        #expect(error?.details.first?.subject == "/sharewire.v1.Nope/Missing")
        // The connection is still good.
        let reply = try await client.unary(
            Sharewire_V1.Diagnostics.Method.Echo.descriptor, EchoRequest(payload: [1]), responseType: EchoResponse.self)
        #expect(reply.payload == [1])
        client.close()
        await server.stop()
    }

    @Test func numericMethodIDFastPathAndPathAgree() async throws {
        let server = try await TestServer.start()
        let client = server.client()
        let byID = try await client.unary(
            Sharewire_V1.Diagnostics.Method.Echo.descriptor, EchoRequest(payload: [7]), responseType: EchoResponse.self)
        let byPath = try await client.unary(
            MethodDescriptor(path: Sharewire_V1.Diagnostics.Method.Echo.descriptor.path), EchoRequest(payload: [7]),
            responseType: EchoResponse.self)
        #expect(byID == byPath)
        client.close()
        await server.stop()
    }

    @Test func healthCheck() async throws {
        let server = try await TestServer.start()
        let client = server.client()
        let status = try await client.unary(
            Sharewire_V1.Health.Method.Check.descriptor, HealthCheckRequest(), responseType: HealthCheckResponse.self)
        #expect(status.status == .serving)
        let error = await #expect(throws: RPCError.self) {
            _ = try await client.unary(
                Sharewire_V1.Health.Method.Check.descriptor, HealthCheckRequest(service: "nope"),
                responseType: HealthCheckResponse.self)
        }
        #expect(error?.code == .notFound)
        client.close()
        await server.stop()
    }
}
