import DeliverySim

/// Actions as scenario files and keys write them: `crash consumer-2`, `loss all 5%`.
///
/// The core knows actions as values; their words live here, with the files.
extension Action: CustomStringConvertible {
    /// The verb as written in scenario files.
    public var verb: String {
        switch self {
        case .crash: "crash"
        case .restart: "restart"
        case .partition: "partition"
        case .partitionOneWay: "partition-one-way"
        case .heal: "heal"
        case .healAll: "heal-all"
        case .setLoss: "loss"
        case .setDuplication: "duplication"
        case .setLatency: "latency"
        case .slow: "slow"
        case .unslow: "unslow"
        case .crashAfterEffect: "crash-after-effect"
        case .crashAfterAck: "crash-after-ack"
        }
    }

    /// The value argument as written in scenario files, if any.
    public var value: String? {
        switch self {
        case .setLoss(_, let p), .setDuplication(_, let p): Format.percent(p)
        case .setLatency(_, let lo, let hi): lo == hi ? Format.duration(lo) : Format.duration(lo) + ".." + Format.duration(hi)
        default: nil
        }
    }

    public var description: String {
        var s = verb
        if let t = target { s += " " + t.description }
        if let v = value { s += " " + v }
        return s
    }

    /// All verbs, for error messages.
    public static let verbs = ["crash", "restart", "partition", "partition-one-way", "heal", "heal-all",
                               "loss", "duplication", "latency", "slow", "unslow",
                               "crash-after-effect", "crash-after-ack"]

    /// Builds an action from its written parts, or says what is wrong.
    public static func parse(verb: String, target: String?, value: String?) -> Result<Action, ActionError> {
        let node: Node?
        if let target, target != "all" {
            guard let n = Node.parse(target) else {
                return .failure(ActionError("unknown target '\(target)' (allowed: broker, producer-N, consumer-N, all)"))
            }
            node = n
        } else {
            node = nil
        }
        func need() -> Result<Node, ActionError> {
            guard let node else { return .failure(ActionError("'\(verb)' needs a target (broker, producer-N or consumer-N)")) }
            return .success(node)
        }
        func needConsumer() -> Result<Node, ActionError> {
            guard let node, case .consumer = node else {
                return .failure(ActionError("'\(verb)' needs a consumer target (consumer-N)"))
            }
            return .success(node)
        }
        switch verb {
        case "crash": return need().map { .crash($0) }
        case "restart": return need().map { .restart($0) }
        case "partition": return need().map { .partition($0) }
        case "partition-one-way": return need().flatMap { n in
            n == .broker ? .failure(ActionError("'partition-one-way' needs a producer or consumer target")) : .success(.partitionOneWay(n)) }
        case "heal": return node.map { .success(.heal($0)) } ?? .success(.healAll)
        case "heal-all": return .success(.healAll)
        case "slow": return needConsumer().map { .slow($0) }
        case "unslow": return needConsumer().map { .unslow($0) }
        case "crash-after-effect": return needConsumer().map { .crashAfterEffect($0) }
        case "crash-after-ack": return needConsumer().map { .crashAfterAck($0) }
        case "loss", "duplication":
            guard let value, let p = UnitParse.percent(value) else {
                return .failure(ActionError("'\(verb)' needs a value such as \"1%\" (0% to 100%)"))
            }
            return .success(verb == "loss" ? .setLoss(node, perMillion: p) : .setDuplication(node, perMillion: p))
        case "latency":
            guard let value, let (lo, hi) = UnitParse.range(value) else {
                return .failure(ActionError("'latency' needs a value such as \"0.5ms..2ms\""))
            }
            return .success(.setLatency(node, minMicros: lo, maxMicros: hi))
        default:
            return .failure(ActionError("unknown action '\(verb)' (allowed: \(verbs.joined(separator: ", ")))"))
        }
    }
}

public struct ActionError: Error, Equatable, Sendable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

extension NoSuchNode {
    /// `unknown target 'consumer-9': this run has consumer-1 to consumer-4`.
    public var message: String {
        let kind = if case .producer = node { "producer" } else { "consumer" }
        return "unknown target '\(node)': this run has \(kind)-1 to \(kind)-\(count)"
    }
}
