import GRDB
import Synchronization

/// Live forms as submissions look them up (by project and xmlFormId), kept in memory so a submission
/// needs no read before its write. Any committed change to `forms` empties it: the writer tells it, so
/// no path that changes a form can leave it stale. A generation number keeps a read that started
/// before such a commit from putting what it saw back afterwards.
final class FormLookupCache: TransactionObserver, Sendable {
    struct Key: Hashable {
        var projectId: Int64
        var xmlFormId: String
    }

    struct Form: Sendable {
        var id: Int64
        var state: String
        var currentDefId: Int64?
    }

    private struct State {
        var generation = 0
        var forms: [Key: Form] = [:]
    }

    private let state = Mutex(State())
    /// Touched only on the writer's connection, between a change and the end of its transaction.
    private let formsChanged = Atomic<Bool>(false)

    var generation: Int { state.withLock { $0.generation } }

    func form(_ key: Key) -> Form? { state.withLock { $0.forms[key] } }

    /// Keeps what a read found, unless `forms` changed since the read began.
    func remember(_ form: Form, for key: Key, readAtGeneration generation: Int) {
        state.withLock { state in
            if state.generation == generation { state.forms[key] = form }
        }
    }

    /// Whether a statement writes `forms`. Such writes must go through GRDB, which tells this observer;
    /// `Database.run` does not (checked there in debug builds).
    static func isWritten(by sql: String) -> Bool {
        let words = sql.lowercased().split(whereSeparator: { $0.isWhitespace || $0 == "(" })
        guard let verb = words.first, ["insert", "update", "delete", "replace"].contains(verb),
            let target = words.firstIndex(where: { ["into", "update", "from"].contains($0) }), target + 1 < words.count
        else { return false }
        return words[target + 1] == "forms"
    }

    func observes(eventsOfKind eventKind: DatabaseEventKind) -> Bool { eventKind.tableName == "forms" }

    func databaseDidChange(with event: DatabaseEvent) { formsChanged.store(true, ordering: .relaxed) }

    func databaseDidCommit(_ db: Database) {
        guard formsChanged.exchange(false, ordering: .relaxed) else { return }
        state.withLock { state in
            state.generation += 1
            state.forms.removeAll()
        }
    }

    func databaseDidRollback(_ db: Database) { formsChanged.store(false, ordering: .relaxed) }
}
