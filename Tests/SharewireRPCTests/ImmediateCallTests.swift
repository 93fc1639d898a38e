import SharewireMessages
import SharewireRPC
import Testing

/// Unary methods registered with an immediate attempt: answered on the event
/// loop with no task, or handed to a task when the attempt returns nil.
@Suite(.timeLimit(.minutes(1)))
struct ImmediateCallTests {
    private func call(
        _ client: RPCClient, _ tag: String, delayMs: UInt32 = 0, failCode: StatusCode? = nil,
        timeout: Duration? = nil
    ) async throws -> String {
        let reply = try await client.unary(
            TestMethods.immediateOrTask,
            EchoRequest(payload: Array(tag.utf8), delayMs: delayMs, failCode: failCode?.rawValue ?? 0),
            timeout: timeout, responseType: EchoResponse.self)
        return String(decoding: reply.payload, as: UTF8.self)
    }

    @Test func answeredImmediatelyWithoutTheTask() async throws {
        let server = try await TestServer.start()
        let client = server.client()
        #expect(try await call(client, "now") == "immediate")
        #expect(server.probe.all == ["immediate:now"])
        client.close()
        await server.stop()
    }

    @Test func nilFallsBackToTheTask() async throws {
        let server = try await TestServer.start()
        let client = server.client()
        #expect(try await call(client, "wait", delayMs: 20) == "task")
        #expect(server.probe.all == ["immediate:wait", "task:wait"])
        client.close()
        await server.stop()
    }

    @Test func errorsFromEitherPartBecomeTheirStatus() async throws {
        let server = try await TestServer.start()
        let client = server.client()
        let immediate = await #expect(throws: RPCError.self) {
            _ = try await call(client, "now", failCode: .failedPrecondition)
        }
        #expect(immediate?.code == .failedPrecondition)
        #expect(immediate?.message == "immediate now")
        let task = await #expect(throws: RPCError.self) {
            _ = try await call(client, "wait", failCode: .notFound)
        }
        #expect(task?.code == .notFound)
        #expect(task?.message == "task wait")
        // The connection still serves.
        #expect(try await call(client, "after") == "immediate")
        client.close()
        await server.stop()
    }

    /// An immediate call never enters the connection's call table, but it
    /// takes and gives back a server-wide call slot like any other call: with a
    /// limit of 1, a slot leaked by one of them would refuse the next call.
    @Test func immediateCallsGiveTheirCallSlotBack() async throws {
        let server = try await TestServer.start { $0.maxConcurrentCalls = 1 }
        let client = server.client()
        for i in 0..<50 {
            if i % 5 == 0 {
                let error = await #expect(throws: RPCError.self) {
                    _ = try await call(client, "n\(i)", failCode: .aborted)
                }
                #expect(error?.code == .aborted)
            } else {
                #expect(try await call(client, "n\(i)") == "immediate")
            }
        }
        #expect(try await call(client, "wait") == "task")
        client.close()
        await server.stop()
    }

    /// A task fallback keeps its deadline: the handler is still subject to it.
    @Test func fallbackTaskStillHasItsDeadline() async throws {
        let server = try await TestServer.start()
        let client = server.client()
        let error = await #expect(throws: RPCError.self) {
            _ = try await call(client, "wait", delayMs: 5_000, timeout: .milliseconds(100))
        }
        #expect(error?.code == .deadlineExceeded)
        client.close()
        await server.stop()
    }
}
