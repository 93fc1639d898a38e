#if canImport(Glibc)
    import Glibc
#endif

/// Gives the heap pages a full load freed back to the kernel.
///
/// A start-up load holds every row (and the state it builds) at once, then
/// frees the rows; glibc keeps most of those pages mapped, so the process's
/// RSS stayed at the load's peak, some 100 MB above the state itself at a
/// million shares (docs/PERFORMANCE.md, "Snapshot memory and start time").
/// `malloc_trim(0)` returns them. Looked up with `dlsym` because malloc.h is
/// not in the Glibc module; elsewhere (musl, Darwin) this does nothing.
enum FreedHeap {
    static func release() {
        #if canImport(Glibc)
            typealias MallocTrim = @convention(c) (Int) -> Int32
            guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "malloc_trim") else { return }
            _ = unsafeBitCast(symbol, to: MallocTrim.self)(0)
        #endif
    }
}
