import Testing

@testable import SharewireRPC

/// The pure pacing rules of server streams (no sockets).
struct StreamPacerTests {
    /// One appended MESSAGE: whether the pacer flushed, and the pace after it.
    private struct Step: Equatable {
        var flushed: Bool
        var pace: StreamPacer.Pace
    }

    private func append(_ pacer: inout StreamPacer, pending: Int, writable: Bool = true) -> Step {
        let flush = pacer.messageAppended(pendingBytes: pending)
        return Step(flushed: flush, pace: pacer.pace(flushed: flush, channelWritable: writable))
    }

    @Test func smallMessagesProceedUntilTheYieldQuota() {
        var pacer = StreamPacer(flushThreshold: 1000, messagesPerYield: 3)
        let steps = [10, 20, 30, 40].map { append(&pacer, pending: $0) }
        #expect(steps.map(\.flushed) == [false, false, false, false])
        #expect(steps.map(\.pace) == [.proceed, .proceed, .yield, .proceed])
    }

    @Test func passingTheThresholdFlushesAndYields() {
        var pacer = StreamPacer(flushThreshold: 1000, messagesPerYield: 100)
        let steps = [999, 1000, 10].map { append(&pacer, pending: $0) }
        #expect(
            steps == [
                Step(flushed: false, pace: .proceed), Step(flushed: true, pace: .yield),
                // The quota starts again after a yield.
                Step(flushed: false, pace: .proceed),
            ])
    }

    @Test func anUnwritableChannelAlwaysWaits() {
        var pacer = StreamPacer(flushThreshold: 1000, messagesPerYield: 1)
        let steps = [5000, 1].map { append(&pacer, pending: $0, writable: false) }
        #expect(
            steps == [Step(flushed: true, pace: .waitUntilWritable), Step(flushed: false, pace: .waitUntilWritable)])
    }

    @Test func nonsenseSettingsAreClampedToOne() {
        var pacer = StreamPacer(flushThreshold: 0, messagesPerYield: 0)
        #expect(append(&pacer, pending: 1) == Step(flushed: true, pace: .yield))
    }
}
