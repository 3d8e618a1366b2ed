import Foundation
import Testing

@testable import Ingest
@testable import Store

@Suite struct TokenCacheTests {
    let phone = Actor(
        id: 7, kind: .fieldKey, displayName: "Phone", createdAt: "2026-01-01T00:00:00.000Z", updatedAt: nil, isAdmin: false,
        projectId: 1, email: nil)

    @Test func aRememberedTokenIsForgottenWhenItsLifetimeEnds() async throws {
        let cache = TokenCache(lifetime: 0.05)
        cache.remember(phone, for: "key:abc", readAtGeneration: cache.generation)
        #expect(cache.actor(for: "key:abc") == phone)
        #expect(cache.actor(for: "key:other") == nil)
        try await Task.sleep(for: .milliseconds(80))
        #expect(cache.actor(for: "key:abc") == nil, "an expired entry is looked up again")
    }

    @Test func loggingOutForgetsTheSessionAtOnceAndNothingElse() {
        let cache = TokenCache(lifetime: 30)
        cache.remember(phone, for: "session:t1", readAtGeneration: cache.generation)
        cache.remember(phone, for: "key:t1", readAtGeneration: cache.generation)
        cache.forgetSession("t1")
        #expect(cache.actor(for: "session:t1") == nil)
        #expect(cache.actor(for: "key:t1") == phone)
    }

    @Test func aLookupThatStartedBeforeARevocationIsNotRememberedAfterIt() {
        let cache = TokenCache(lifetime: 30)
        let lookupBegan = cache.generation
        cache.forget(actorId: phone.id)  // the key is revoked while the lookup reads the database
        cache.remember(phone, for: "key:k", readAtGeneration: lookupBegan)
        #expect(cache.actor(for: "key:k") == nil)
    }
}
