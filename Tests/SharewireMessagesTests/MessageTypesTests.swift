import Foundation
import SharewireMessages
import Testing

/// `MessageTypes.all` (generated) is the schema's list of messages: the
/// message fuzz target and the bad-input tests rely on it being complete.
@Suite struct MessageTypesTests {
    @Test func listsEveryMessageOfTheSchemaOnce() throws {
        let listed = MessageTypes.all.map { String(describing: $0) }
        #expect(Set(listed).count == listed.count, "a type is listed twice")
        let directory = Repository.protoRoot.appendingPathComponent("sharewire/v1")
        var declared: [String] = []
        for file in try FileManager.default.contentsOfDirectory(atPath: directory.path) where file.hasSuffix(".proto") {
            let text = try String(contentsOf: directory.appendingPathComponent(file), encoding: .utf8)
            for line in text.split(separator: "\n") where line.hasPrefix("message ") {
                declared.append(String(line.split(separator: " ")[1]))
            }
        }
        #expect(declared.count > 10)
        #expect(listed.sorted() == declared.sorted())
    }
}
