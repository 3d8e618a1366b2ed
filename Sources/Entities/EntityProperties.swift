/// An entity's property values in a stable order: the order they were first set.
public struct EntityProperties: Sendable, Equatable {
    public private(set) var names: [String] = []
    private var values: [String: String] = [:]

    public init() {}

    public init(_ pairs: [(String, String)]) {
        for (name, value) in pairs { self[name] = value }
    }

    public subscript(name: String) -> String? {
        get { values[name] }
        set {
            if let newValue {
                if values.updateValue(newValue, forKey: name) == nil { names.append(name) }
            } else if values.removeValue(forKey: name) != nil {
                names.removeAll { $0 == name }
            }
        }
    }

    public var pairs: [(name: String, value: String)] { names.map { ($0, values[$0]!) } }
    public var isEmpty: Bool { names.isEmpty }

    /// These values with `other`'s written over them (a new key goes last).
    public func merging(_ other: EntityProperties) -> EntityProperties {
        var merged = self
        for (name, value) in other.pairs { merged[name] = value }
        return merged
    }

    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.values == rhs.values }

    public var json: JSONObject { JSONObject(pairs.map { ($0.name, JSONValue.string($0.value)) }) }

    public init(json: JSONObject) {
        self.init(json.pairs.compactMap { pair in pair.value.stringValue.map { (pair.key, $0) } })
    }
}
