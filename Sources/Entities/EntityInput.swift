/// Something that was handed to the entity rules for one entity, in the order it happened.
/// The log of these is what a replay runs again.
public enum EntityInput: Sendable, Equatable {
    /// A change arrived (from a submission block, once approved where approval is required, or from the API).
    case change(EntityChange, ChangeOrigin)
    /// The held change from this origin was force-applied.
    case force(ChangeOrigin)
    /// The held change from this origin was forced off the backlog without effect.
    case discard(ChangeOrigin)
    case delete
    case resolve

    public var kind: String {
        switch self {
        case .change: return "change"
        // Stored under `force` (the log's kinds are fixed by its schema), told apart by `discarded`.
        case .force, .discard: return "force"
        case .delete: return "delete"
        case .resolve: return "resolve"
        }
    }

    public var json: JSONValue {
        switch self {
        case .change(let change, let origin): return ["change": change.json, "origin": origin.json]
        case .force(let origin): return ["origin": origin.json]
        case .discard(let origin): return ["origin": origin.json, "discarded": true]
        case .delete, .resolve: return [:]
        }
    }

    public init?(kind: String, json: JSONValue) {
        switch kind {
        case "change":
            guard let change = json["change"].flatMap(EntityChange.init(json:)),
                let origin = json["origin"].flatMap(ChangeOrigin.init(json:))
            else { return nil }
            self = .change(change, origin)
        case "force":
            guard let origin = json["origin"].flatMap(ChangeOrigin.init(json:)) else { return nil }
            self = json["discarded"]?.boolValue == true ? .discard(origin) : .force(origin)
        case "delete": self = .delete
        case "resolve": self = .resolve
        default: return nil
        }
    }
}
