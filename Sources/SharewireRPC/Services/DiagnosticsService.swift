import SharewireMessages

/// `sharewire.v1.Diagnostics`: echo calls that measure protocol overhead and
/// let tests exercise deadlines, cancel, drain and error statuses.
public struct DiagnosticsService: Sharewire_V1.Diagnostics.Handler {
    /// Longest `delay_ms`/`interval_ms` honoured, so a client cannot park a
    /// handler for ever.
    public var maxDelayMs: UInt32 = 60_000
    /// Most responses one EchoStream call may ask for.
    public var maxStreamCount: UInt32 = 100_000

    public init() {}

    /// A plain echo (no delay) answers on the event loop, with no task.
    public func immediateEcho(request: EchoRequest, context: ServerContext) throws -> EchoResponse? {
        try validate(request)
        return request.delayMs == 0 ? try Self.answer(request) : nil
    }

    public func echo(request: EchoRequest, context: ServerContext) async throws -> EchoResponse {
        try validate(request)
        if request.delayMs > 0 { try await Task.sleep(for: .milliseconds(request.delayMs)) }
        return try Self.answer(request)
    }

    public func echoStream(
        request: EchoRequest, response writer: ServerStreamWriter<EchoResponse>,
        context: ServerContext
    ) async throws {
        try validate(request)
        if request.delayMs > 0 { try await Task.sleep(for: .milliseconds(request.delayMs)) }
        for sequence in 0..<request.count {
            if sequence > 0, request.intervalMs > 0 { try await Task.sleep(for: .milliseconds(request.intervalMs)) }
            try await writer.send(EchoResponse(payload: request.payload, sequence: sequence))
        }
        if request.failCode != 0 {
            throw RPCError(StatusCode(wireValue: request.failCode), request.failMessage)
        }
    }

    /// Echo's response, or the status the request asked to fail with.
    private static func answer(_ request: EchoRequest) throws(RPCError) -> EchoResponse {
        if request.failCode != 0 {
            throw RPCError(StatusCode(wireValue: request.failCode), request.failMessage)
        }
        return EchoResponse(payload: request.payload)
    }

    private func validate(_ request: EchoRequest) throws(RPCError) {
        // Checked field by field: this runs on every echo, so no array of them.
        if request.delayMs > maxDelayMs { throw delayTooLong("delay_ms") }
        if request.intervalMs > maxDelayMs { throw delayTooLong("interval_ms") }
        // A server's UNAVAILABLE promises "not processed"; an echo that ran
        // must not claim it.
        if request.failCode == StatusCode.unavailable.rawValue {
            throw RPCError(
                .invalidArgument, "fail_code 14 (UNAVAILABLE) is reserved for calls the server did not process",
                details: [StatusDetail(reason: "RESERVED_STATUS", field: "fail_code")])
        }
        if request.count > maxStreamCount {
            throw RPCError(
                .invalidArgument, "count must be at most \(maxStreamCount)",
                details: [
                    StatusDetail(
                        reason: "LIMIT_EXCEEDED", field: "count",
                        metadata: [MetadataEntry(key: "limit", value: "\(maxStreamCount)")])
                ])
        }
    }

    private func delayTooLong(_ field: String) -> RPCError {
        RPCError(
            .invalidArgument, "\(field) must be at most \(maxDelayMs)",
            details: [
                StatusDetail(
                    reason: "LIMIT_EXCEEDED", field: field,
                    metadata: [MetadataEntry(key: "limit", value: "\(maxDelayMs)")])
            ])
    }
}
