import NIOCore

/// Runs Swift tasks on one NIO event loop.
///
/// A call's task prefers its connection's event loop, so handler code, the
/// response write and the flush all run on one thread: no thread hop (about
/// 30 µs on this VM) between reading a request and answering it.
public final class EventLoopTaskExecutor: TaskExecutor {
    public let eventLoop: any EventLoop

    public init(eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        eventLoop.execute {
            job.runSynchronously(on: self.asUnownedTaskExecutor())
        }
    }
}
