import Glibc

/// Whether `SHAREWIRE_FUZZ_TRACE` is set: targets then describe, one line per
/// input on standard error, what the input reached (which decoder, which
/// frames the server wrote). For checking a corpus's reach by replaying it
/// (`TARGET -runs=0 CORPUS`), never while fuzzing: it is slow.
public let fuzzTracing: Bool = getenv("SHAREWIRE_FUZZ_TRACE") != nil

/// Writes one trace line (`trace: ...`) to standard error when tracing is on.
public func fuzzTrace(_ line: @autoclosure () -> String) {
    guard fuzzTracing else { return }
    let bytes = Array("trace: \(line())\n".utf8)
    bytes.withUnsafeBytes { raw in
        var offset = 0
        // Bounded: every round writes at least one byte or stops.
        while offset < raw.count {
            let n = Glibc.write(2, raw.baseAddress! + offset, raw.count - offset)
            guard n > 0 else { return }
            offset += n
        }
    }
}
