import SharewireMessages
import Testing

/// Tests that need a process to crash (swift-testing's exit tests).
///
/// `tools/test` runs this suite last, on its own, apart from the suites
/// that start child processes: on Linux the first exit
/// test starts swift-testing's monitor thread, which from then on polls
/// `waitid(P_ALL, WNOWAIT)` in a loop and spins on every child process it
/// does not own (the suites' `sharewired`, CLI, openssl and python children)
/// from its exit until its owner reaps it. In a full pass that spinning cost
/// 6.2% of the run's CPU samples (`perf record` of the whole run, 2026-12-07).
@Suite struct ProcessExitTests {
    #if DEBUG
        /// Debug builds assert instead of silently truncating at the NUL.
        @Test func serializingNULAssertsInDebug() async {
            await #expect(processExitsWith: .failure) {
                _ = RequestHead(method: "a\u{0}b").serializedBytes()
            }
        }
    #endif
}
