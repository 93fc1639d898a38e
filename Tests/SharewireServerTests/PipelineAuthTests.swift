import SharewireMessages
import SharewireRPC
import SharewireServer
import Testing

/// The service pipeline authenticates every method by its `(sharewire.v1.auth)`
/// policy before the handler runs: called with no credentials, every method
/// but Health and Diagnostics is refused UNAUTHENTICATED, and nothing is
/// written. The list is `Sharewire_V1.methods`, so a new method is covered
/// without editing this test.
@Suite(.timeLimit(.minutes(2)))
struct PipelineAuthTests {
    /// The status of one call of `method` with an empty request and `metadata`
    /// (for a stream, the status it ends with); nil when it succeeded.
    static func status<M: RPCMethod>(_ method: M.Type, _ h: Harness, metadata: Metadata) async -> RPCError? {
        let request: M.Input
        do {
            request = try M.Input(serializedBytes: UnsafeRawBufferPointer(start: nil, count: 0))
        } catch {
            return RPCError(.internal, "an empty \(M.Input.self) does not decode: \(error)")
        }
        do {
            if M.descriptor.kind == .serverStreaming {
                let stream = try await h.client.serverStream(
                    M.descriptor, request, metadata: metadata,
                    timeout: .seconds(10), responseType: M.Output.self)
                for try await _ in stream { break }
            } else {
                _ = try await h.client.unary(
                    M.descriptor, request, metadata: metadata, timeout: .seconds(10),
                    responseType: M.Output.self)
            }
            return nil
        } catch let error as RPCError {
            return error
        } catch {
            return RPCError(.internal, "\(error)")
        }
    }

    @Test(arguments: ServiceStore.allCases) func everyAuthenticatedMethodRefusesACallWithoutCredentials(
        store: ServiceStore
    ) async throws {
        let h = try await Harness.start(store: store)
        let revision = h.revision
        let authenticated = Sharewire_V1.methods.filter { $0.id.auth != .none }
        #expect(authenticated.count == MethodID.allCases.count - 4)
        for method in authenticated {
            let error = await Self.status(method, h, metadata: [])
            #expect(error?.code == .unauthenticated, "\(method.descriptor.path): \(String(describing: error))")
            #expect(error?.reason == "UNAUTHENTICATED", "\(method.descriptor.path)")
        }
        #expect(h.revision == revision)
        await h.stop()
    }

    /// An account's key is refused where the service key is required, and a
    /// service key without act-as is refused where an account is.
    @Test(arguments: ServiceStore.allCases) func eachPolicyRefusesTheOtherKindOfCaller(store: ServiceStore) async throws
    {
        let h = try await Harness.start(store: store)
        let a = try await h.createAccount("a@example.com")
        let revision = h.revision
        for method in Sharewire_V1.methods {
            switch method.id.auth {
            case .serviceKey:
                let error = await Self.status(method, h, metadata: a.metadata)
                #expect(error?.code == .permissionDenied, "\(method.descriptor.path): \(String(describing: error))")
                #expect(error?.reason == "SERVICE_KEY_REQUIRED", "\(method.descriptor.path)")
            case .account:
                let error = await Self.status(method, h, metadata: Harness.service())
                #expect(error?.code == .invalidArgument, "\(method.descriptor.path): \(String(describing: error))")
                #expect(error?.reason == "ACT_AS_REQUIRED", "\(method.descriptor.path)")
            case .none, .principal:
                break
            }
        }
        #expect(h.revision == revision)
        await h.stop()
    }
}
