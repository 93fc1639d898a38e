import SharewireServer
import Testing

@Suite(.timeLimit(.minutes(1)))
struct CommitBellTests {
    @Test func aRingWakesAWaiter() async {
        let bell = CommitBell()
        let seen = bell.generation
        let waiter = Task { await bell.wait(past: seen, timeout: .seconds(30)) }
        // Ring until the waiter has returned; each ring is harmless.
        while bell.waiting == 0 { await Task.yield() }
        bell.ring()
        await waiter.value
        #expect(bell.generation == seen + 1)
        #expect(bell.waiting == 0)
    }

    @Test func aRingBeforeTheWaitIsNotMissed() async {
        let bell = CommitBell()
        let seen = bell.generation
        bell.ring()
        await bell.wait(past: seen, timeout: .seconds(30))  // returns at once
        #expect(bell.waiting == 0)
    }

    @Test func timeoutAndCancellationEndTheWait() async {
        let bell = CommitBell()
        await bell.wait(past: bell.generation, timeout: .milliseconds(10))
        let waiter = Task { await bell.wait(past: bell.generation, timeout: .seconds(30)) }
        while bell.waiting == 0 { await Task.yield() }
        waiter.cancel()
        await waiter.value
        #expect(bell.waiting == 0)
    }
}
