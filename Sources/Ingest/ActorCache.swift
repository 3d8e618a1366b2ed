import Entities
import Store

/// Actors read once per response, for lists that name the same few people many times.
struct ActorCache {
    let store: GatewayStore
    private var known: [Int64: Actor?] = [:]

    init(store: GatewayStore) { self.store = store }

    mutating func actor(_ id: Int64?) async throws -> Actor? {
        guard let id else { return nil }
        if let found = known[id] { return found }
        let found = try await store.actor(id: id)
        known[id] = found
        return found
    }

    /// The actor as Central shows it (`creator`, `actor`), or null.
    mutating func object(_ id: Int64?) async throws -> JSONValue {
        try await actor(id).map { .object(Representation.actor($0)) } ?? .null
    }
}
