import NIOCore
import SharewireMessages
import SharewireWire

/// Call dispatch on a server connection (docs/PROTOCOL.md §6.4): admitting
/// REQUESTs, running handlers, deadlines, CANCEL and answers. The state
/// machine decides what the connection allows; this runs the handlers.
extension ServerConnectionHandler {
    func startCall(_ frame: Frame) {
        let streamID = frame.streamID
        let payload: HeadedPayload
        do {
            payload = try HeadedPayload(splitting: frame.payload)
        } catch {
            return apply(machine.protocolViolation("REQUEST on stream \(streamID): \(error)"))
        }
        if let refusal = machine.admit(streamID: streamID) {
            return refuse(streamID: streamID, refusal)
        }
        let head: RequestHead
        do {
            head = try headCache.decode(payload.head)
        } catch {
            return refuse(streamID: streamID, RPCError(.internal, "malformed request head: \(error)"))
        }
        guard let handler = router.handler(id: head.methodID, path: head.method) else {
            let name = head.methodID != 0 ? "method id \(head.methodID)" : head.method
            return refuse(
                streamID: streamID,
                RPCError(
                    .unimplemented, "unknown method \(name)",
                    details: [StatusDetail(reason: "UNKNOWN_METHOD", subject: name)]))
        }
        guard payload.message.readableBytes <= config.maxMessageSize else {
            return refuse(
                streamID: streamID,
                RPCError(
                    .resourceExhausted,
                    "request message of \(payload.message.readableBytes) bytes exceeds the limit of \(config.maxMessageSize)",
                    details: [
                        StatusDetail(
                            reason: "MESSAGE_TOO_LARGE", subject: "\(payload.message.readableBytes)",
                            metadata: [MetadataEntry(key: "limit", value: "\(config.maxMessageSize)")])
                    ]))
        }
        let prepared: any PreparedCall
        do {
            prepared = try handler.prepare(payload.message)
        } catch {
            return refuse(streamID: streamID, RPCError(.invalidArgument, "malformed request message: \(error)"))
        }
        guard shared.acquireCall(limit: config.maxConcurrentCalls) else {
            return refuse(
                streamID: streamID,
                RPCError(
                    .resourceExhausted, "server is at its limit of \(config.maxConcurrentCalls) concurrent calls",
                    details: [StatusDetail(reason: "SERVER_CALL_LIMIT")]))
        }
        run(handler.descriptor, prepared, head: head, streamID: streamID)
    }

    private func run(_ method: MethodDescriptor, _ prepared: any PreparedCall, head: RequestHead, streamID: UInt32) {
        guard context != nil else { return }
        var timeout = head.timeoutMicros > 0 ? TimeAmount.microseconds(Int64(clamping: head.timeoutMicros)) : nil
        // Unary calls are bounded even without a deadline; streams (feeds,
        // watches) may legitimately run until cancelled or drained.
        if method.kind == .unary, config.maxCallDuration > .zero {
            timeout = min(timeout ?? config.maxCallDuration, config.maxCallDuration)
        }
        // Calls are only started from `channelRead`: they arrived at its time.
        let now = readTime
        let deadline = timeout.map { now + $0 }
        let startedAt: NIODeadline? = observes ? now : nil
        // The synchronous attempt: no task, not among the running calls
        // (nothing can cancel or time out a call answered before this returns).
        if prepared.hasImmediate {
            let callContext = ServerContext(
                method: method.path, metadata: head.metadata, deadline: deadline,
                streamID: streamID, peer: peer, peerCertificate: peerCertificate,
                authentication: authentication, deadlineExplanation: nil)
            let answer: Result<(any ProtoMessage)?, any Error>?
            do {
                answer = try prepared.immediate(callContext).map { .success($0) }
            } catch {
                answer = .failure(error)
            }
            if let answer {
                // Unobserved, the end time only moves the idle clock: the
                // read's time serves, sparing a clock read per call.
                return finish(
                    ServerCall(method: method, startedAt: startedAt), streamID: streamID, answer,
                    at: observes ? clock.now() : now)
            }
        }
        guard let context, let taskExecutor else { return }
        let eventLoop = context.eventLoop
        let bound = NIOLoopBound(self, eventLoop: eventLoop)
        // Only a call that may be timed out while it waits needs somewhere
        // to say why (one allocation, off the synchronous path).
        let explanation = deadline == nil ? nil : DeadlineExplanation()
        let taskContext = ServerContext(
            method: method.path, metadata: head.metadata, deadline: deadline,
            streamID: streamID, peer: peer, peerCertificate: peerCertificate,
            authentication: authentication, deadlineExplanation: explanation)
        machine.callStarted(
            streamID: streamID,
            ServerCall(method: method, startedAt: startedAt, deadlineExplanation: explanation))
        let sink = ServerStreamSink(streamID: streamID, handler: bound)
        // Runs synchronously up to the first suspension; resumes on this loop.
        let task = Task.immediate(executorPreference: taskExecutor) {
            let result: Result<(any ProtoMessage)?, any Error>
            do {
                result = .success(try await prepared.body(taskContext, sink))
            } catch {
                result = .failure(error)
            }
            if eventLoop.inEventLoop {
                bound.value.callFinished(streamID: streamID, result)
            } else {
                eventLoop.execute { bound.value.callFinished(streamID: streamID, result) }
            }
        }
        // A handler that did not suspend (Echo, Check) has already answered:
        // its call is gone, and no timer was ever needed, since nothing else
        // runs on this loop while it does. Only a call still running gets its
        // deadline timer (with the deadline taken before it started, so a
        // passed one fires on the next tick). This saves a promise, a
        // scheduled task and its O(n) cancel per synchronous call.
        guard machine.isRunning(streamID: streamID) else { return }
        let timer = deadline.map { deadline in
            eventLoop.scheduleTask(in: deadline - clock.now()) { bound.value.deadlineExpired(streamID: streamID) }
        }
        machine.callRunning(streamID: streamID, task: task, deadlineTimer: timer)
    }

    func callFinished(streamID: UInt32, _ result: Result<(any ProtoMessage)?, any Error>) {
        guard let call = machine.removeCall(streamID: streamID) else { return }
        finish(call, streamID: streamID, result, at: clock.now())
    }

    /// Answers a call that has ended (unless a deadline or CANCEL already did)
    /// and frees its slot.
    private func finish(
        _ call: ServerCall, streamID: UInt32, _ result: Result<(any ProtoMessage)?, any Error>,
        at now: NIODeadline
    ) {
        shared.releaseCall()
        call.deadlineTimer?.cancel()
        var code = call.endedEarlyWith ?? .ok
        if !call.finished, call.deadlinePassed {
            // Past its deadline a call ends DEADLINE_EXCEEDED, with the
            // handler's own details when it gave that status itself.
            code = .deadlineExceeded
            if case let .failure(error as RPCError) = result, error.code == .deadlineExceeded {
                respond(streamID: streamID, error)
            } else {
                respond(streamID: streamID, Self.deadlineExceeded)
            }
        } else if !call.finished {
            switch result {
            case let .success(message):
                if let violation = appendCallData(.response, streamID: streamID, message) {
                    // The response is too large for the client.
                    code = violation.code
                    respond(streamID: streamID, violation)
                }
            case let .failure(error as RPCError):
                code = error.code
                respond(streamID: streamID, error)
            case .failure(is CancellationError):
                code = .cancelled
                respond(streamID: streamID, RPCError(.cancelled, "handler was cancelled"))
            case let .failure(error):
                logger.error("handler failed", metadata: ["method": "\(call.method)", "error": "\(error)"])
                code = .unknown
                respond(streamID: streamID, RPCError(.unknown, "handler failed"))
            }
        }
        if observes, let observer = config.observer, let startedAt = call.startedAt {
            observer.callFinished(
                method: call.method, code: code, duration: .nanoseconds((now - startedAt).nanoseconds))
        }
        apply(machine.callEnded(at: now))
    }

    private static let deadlineExceeded = RPCError(.deadlineExceeded, "deadline exceeded on the server")

    /// The call's deadline passed: cancel the handler and answer it, at once
    /// with what it said it waits for, or after `deadlineAnswerGrace` with
    /// the generic DEADLINE_EXCEEDED unless it answered itself by then.
    func deadlineExpired(streamID: UInt32) {
        guard let context else { return }
        switch machine.deadlineExpired(streamID: streamID) {
        case .none:
            return
        case let .answer(explained, task):
            task?.cancel()
            respond(streamID: streamID, explained)
        case let .cancelAndAwaitGrace(task):
            task?.cancel()
            let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
            context.eventLoop.scheduleTask(in: config.deadlineAnswerGrace) {
                let handler = bound.value
                if handler.machine.deadlineGraceOver(streamID: streamID) {
                    handler.respond(streamID: streamID, Self.deadlineExceeded)
                }
            }
        }
    }

    func cancelCall(streamID: UInt32) {
        guard let call = machine.cancelReceived(streamID: streamID) else { return }
        call.deadlineTimer?.cancel()
        call.task?.cancel()
    }

    /// Writes one MESSAGE frame of a server stream and says how its producer
    /// goes on: at once, after yielding the event loop, or once the channel
    /// is writable again (the returned future).
    func sendStreamMessage(streamID: UInt32, _ message: any ProtoMessage) throws -> StreamSendPace {
        guard let context, machine.acceptsMessages(streamID: streamID) else {
            throw RPCError(.cancelled, "call is no longer active")
        }
        if let violation = appendCallData(.message, streamID: streamID, message) { throw violation }
        let flushNow = pacer.messageAppended(pendingBytes: outbox.pendingBytes)
        // Flushing inside the read loop too: a stream started by this read
        // must not buffer everything until `channelReadComplete`.
        if flushNow { flush() }
        switch pacer.pace(flushed: flushNow, channelWritable: context.channel.isWritable) {
        case .proceed:
            return .proceed
        case .yield:
            return .yield
        case .waitUntilWritable:
            return writabilityFuture().map { .wait($0) } ?? .proceed
        }
    }

    /// Answers a REQUEST that no handler will run, and tells the observer.
    func refuse(streamID: UInt32, _ error: RPCError) {
        if observes { config.observer?.callRefused(code: error.code) }
        respond(streamID: streamID, error)
    }
}
