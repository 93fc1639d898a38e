import Foundation

/// Reads enum values from the .proto schema, to turn the value names
/// `protoc --decode` prints into numbers.
enum ProtoSchema {
    /// `NAME = number;` lines of `enum <name> { ... }` in `file`, with the
    /// comment lines just above each value.
    static func enumValues(_ name: String, in file: String) throws -> [(name: String, number: Int32, comment: String)] {
        let text = try String(contentsOf: Repository.protoRoot.appendingPathComponent(file), encoding: .utf8)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map {
            $0.trimmingCharacters(in: .whitespaces)
        }
        guard let start = lines.firstIndex(where: { $0.hasPrefix("enum \(name) ") }) else {
            throw TestFailure("enum \(name) not found in \(file)")
        }
        var values: [(String, Int32, String)] = []
        var comment = ""
        for line in lines[(start + 1)...] {
            if line.hasPrefix("}") { break }
            if line.hasPrefix("//") {
                comment = String(line.dropFirst(2)).trimmingCharacters(in: .whitespaces)
                continue
            }
            let parts = line.split(whereSeparator: { " =;".contains($0) })
            if parts.count == 2, let number = Int32(parts[1]) {
                values.append((String(parts[0]), number, comment))
                comment = ""
            }
        }
        return values
    }
}
