/// Splits a fuzz input into a few control bytes and the data, and cuts the
/// data into chunks whose sizes the control bytes choose, so one input
/// exercises one particular way the bytes arrive from the network.
public struct ChunkedInput {
    /// Bytes set aside for the target's own choices (role, limits, ...).
    public let control: [UInt8]
    /// The bytes to feed.
    public let data: UnsafeBufferPointer<UInt8>
    /// Chunk sizes (1...64), cycled.
    private let sizes: [Int]

    /// - Parameters:
    ///   - controlBytes: leading bytes kept for the target (zero-filled when
    ///     the input is shorter).
    ///   - chunkSeeds: following bytes choosing chunk sizes (at least one).
    public init(_ input: UnsafeBufferPointer<UInt8>, controlBytes: Int, chunkSeeds: Int = 4) {
        let head = min(input.count, controlBytes + chunkSeeds)
        var prefix = Array(input[0..<head])
        prefix += [UInt8](repeating: 0, count: controlBytes + chunkSeeds - head)
        control = Array(prefix[0..<controlBytes])
        // Seed 0 means "all the rest at once", so the unchunked case is covered.
        sizes = prefix[controlBytes...].map { $0 == 0 ? Int.max : Int($0 % 64) + 1 }
        data = UnsafeBufferPointer(rebasing: input[head...])
    }

    /// The data as consecutive chunks.
    public var chunks: [UnsafeBufferPointer<UInt8>] {
        var result: [UnsafeBufferPointer<UInt8>] = []
        var offset = 0, i = 0
        while offset < data.count {
            let n = min(sizes[i % sizes.count], data.count - offset)
            result.append(UnsafeBufferPointer(rebasing: data[offset..<(offset + n)]))
            offset += n
            i += 1
        }
        return result
    }
}
