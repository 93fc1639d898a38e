/// Runs `body` for every index of `range` with at most `width` calls in
/// flight, and returns the results in index order. Used to seed servers
/// (here and in sharewire-bench) without flooding them.
public func boundedParallelMap<T: Sendable>(
    _ range: Range<Int>, width: Int,
    _ body: @escaping @Sendable (Int) async throws -> T
) async throws -> [T] {
    let width = max(1, width)
    return try await withThrowingTaskGroup(of: (Int, T).self) { group in
        var results = [T?](repeating: nil, count: range.count)
        var next = range.lowerBound
        while next < range.upperBound, next - range.lowerBound < width {
            let i = next
            group.addTask { (i, try await body(i)) }
            next += 1
        }
        while let (i, value) = try await group.next() {
            results[i - range.lowerBound] = value
            if next < range.upperBound {
                let j = next
                group.addTask { (j, try await body(j)) }
                next += 1
            }
        }
        return results.map { $0! }
    }
}
