/// What a version received compared with another state of the entity: per property (label included),
/// the other state's value (absent when it had none) and the received one.
public struct PropertyDiff: Sendable, Equatable {
    public struct Change: Sendable, Equatable {
        public var name: String
        public var old: String?
        public var new: String
    }

    public var changes: [Change]

    public init(changes: [Change]) { self.changes = changes }

    /// The received values that the other state lacks or holds differently, in the order they were received.
    public init(received: EntityProperties, against other: EntityProperties) {
        changes = received.pairs.compactMap { pair in
            let old = other[pair.name]
            return old == pair.value ? nil : Change(name: pair.name, old: old, new: pair.value)
        }
    }

    public static let empty = PropertyDiff(changes: [])

    public var names: [String] { changes.map(\.name) }

    /// `{"height": {"old": "10", "new": "11"}}`; `old` is left out where the other side had no value.
    public var json: JSONObject {
        JSONObject(
            changes.map { change in
                var pair: JSONObject = [:]
                if let old = change.old { pair["old"] = .string(old) }
                pair["new"] = .string(change.new)
                return (change.name, .object(pair))
            })
    }
}
