import Foundation

/// A weighted mix of operations, e.g. `check=95,share=4,transfer=1`.
public struct OperationMix: Sendable, Hashable, Codable, CustomStringConvertible {
    /// (operation, weight) pairs, weights positive integers.
    public var weights: [Weighted]

    /// One entry of a mix.
    public struct Weighted: Sendable, Hashable, Codable {
        public var operation: OperationKind
        public var weight: Int
    }

    /// A mix of the given weights.
    public init(_ weights: [(OperationKind, Int)]) {
        self.weights = weights.map { Weighted(operation: $0.0, weight: $0.1) }
    }

    /// Parses `NAME=WEIGHT[,NAME=WEIGHT…]`; a bare `NAME` has weight 1.
    public init(parsing text: String) throws(LoadError) {
        var weights: [(OperationKind, Int)] = []
        for part in text.split(separator: ",") {
            let pieces = part.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard let kind = OperationKind(name: pieces[0]) else {
                throw LoadError(
                    "unknown operation '\(pieces[0])' in mix '\(text)'; known: "
                        + OperationKind.allCases.map(\.name).joined(separator: ", "))
            }
            let weight = pieces.count == 2 ? Int(pieces[1]) : 1
            guard let weight, (1...1_000_000).contains(weight) else {
                throw LoadError("weight of '\(pieces[0])' in mix '\(text)' must be an integer in 1...1000000")
            }
            guard !weights.contains(where: { $0.0 == kind }) else {
                throw LoadError("operation '\(kind.name)' appears twice in mix '\(text)'")
            }
            weights.append((kind, weight))
        }
        guard !weights.isEmpty else { throw LoadError("empty mix '\(text)'") }
        self.init(weights)
    }

    public var description: String {
        weights.map { "\($0.operation.name)=\($0.weight)" }.joined(separator: ",")
    }

    /// The operations in the mix.
    public var operations: [OperationKind] { weights.map(\.operation) }

    /// A deterministic sequence of operations in exact proportion: a table
    /// with each operation repeated by its weight (reduced by their common
    /// divisor), shuffled with `seed`. Call `n` uses entry `n % count`.
    public func table(seed: UInt64) -> [OperationKind] {
        let divisor = weights.map(\.weight).reduce(0, gcd)
        var table: [OperationKind] = []
        for entry in weights {
            table += Array(repeating: entry.operation, count: entry.weight / max(divisor, 1))
        }
        var rng = SplitMix64(seed: seed ^ 0x6D69_78)
        table.shuffle(using: &rng)
        return table
    }
}

private func gcd(_ a: Int, _ b: Int) -> Int { b == 0 ? a : gcd(b, a % b) }

/// The built-in scenarios, each selectable by name.
public enum Scenario: String, Sendable, CaseIterable, Codable {
    /// Share N devices × M contacts, then unshare them, alternating.
    case bulkShare = "bulk-share"
    /// Read-heavy permission checks on a seeded population.
    case check
    /// 95 % check, 4 % share (create or update), 1 % transfer.
    case mixed
    /// Contacts created, invited and deleted.
    case churn
    /// Echo: protocol overhead only, no authentication, no seeding.
    case echo

    /// The operations the scenario runs.
    public var mix: OperationMix {
        switch self {
        case .bulkShare: OperationMix([(.bulkShare, 1)])
        case .check: OperationMix([(.check, 1)])
        case .mixed: OperationMix([(.check, 95), (.share, 4), (.transfer, 1)])
        case .churn: OperationMix([(.churn, 1)])
        case .echo: OperationMix([(.echo, 1)])
        }
    }
}
