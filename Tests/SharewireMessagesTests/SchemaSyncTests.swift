import Foundation
import Testing
import SharewireMessages

/// The hand-written Swift enums mirror enums of the .proto schema; these
/// tests read the schema so the two cannot drift apart silently. (The method
/// table is generated from services.proto: tools/generate-protos.sh --check.)
@Suite struct SchemaSyncTests {
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
            if line.hasPrefix("//") { comment = String(line.dropFirst(2)).trimmingCharacters(in: .whitespaces); continue }
            let parts = line.split(whereSeparator: { " =;".contains($0) })
            if parts.count == 2, let number = Int32(parts[1]) {
                values.append((String(parts[0]), number, comment))
                comment = ""
            }
        }
        return values
    }

    /// `DIAGNOSTICS_ECHO_STREAM` -> `diagnosticsEchoStream`
    static func camelCase(_ name: String) -> String {
        let words = name.lowercased().split(separator: "_")
        return ([String(words[0])] + words.dropFirst().map { $0.prefix(1).uppercased() + $0.dropFirst() }).joined()
    }

    @Test func servingStatusMirrorsProto() throws {
        let values = try Self.enumValues("ServingStatus", in: "sharewire/v1/health.proto")
        #expect(values.count == HealthCheckResponse.ServingStatus.allCases.count)
        for value in values {
            let status = try #require(HealthCheckResponse.ServingStatus(rawValue: value.number))
            #expect("\(status)" == Self.camelCase(value.name))
        }
    }

    /// `SHARE_CREATED` -> `shareCreated`, after dropping the enum's value prefix.
    static func checkMirrors<E: ProtoEnum>(_ type: E.Type, _ name: String, prefix: String, in file: String) throws {
        let values = try enumValues(name, in: "sharewire/v1/\(file)")
        #expect(values.count == E.allCases.count, "\(name)")
        for value in values {
            #expect(value.name.hasPrefix(prefix), "\(value.name) lacks the prefix \(prefix)")
            let decoded = E(rawValue: value.number)
            #expect(E.allCases.contains(decoded), "\(name): \(value.name) has no Swift case")
            #expect("\(decoded)" == camelCase(String(value.name.dropFirst(prefix.count))))
        }
    }

    @Test func sharingEnumsMirrorProto() throws {
        try Self.checkMirrors(LanguageCode.self, "LanguageCode", prefix: "LANGUAGE_CODE_", in: "common.proto")
        try Self.checkMirrors(AccessMode.self, "AccessMode", prefix: "ACCESS_MODE_", in: "common.proto")
        try Self.checkMirrors(AuditEventKind.self, "AuditEventKind", prefix: "AUDIT_EVENT_KIND_", in: "events.proto")
        try Self.checkMirrors(NotificationKind.self, "NotificationKind", prefix: "NOTIFICATION_KIND_", in: "events.proto")
    }
}
