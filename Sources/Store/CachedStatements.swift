import GRDB

extension Database {
    /// Runs one statement through the connection's prepared-statement cache: the submission path runs
    /// the same few dozen statements over and over, and preparing them anew each time showed in profiles.
    func run(_ sql: String, _ arguments: StatementArguments = StatementArguments()) throws {
        try cachedStatement(sql: sql).execute(arguments: arguments)
    }

    /// Maps each row of a cached statement while it is current. Reading a column by name there is a
    /// dictionary lookup; on a fetched (copied) row GRDB searches the names one by one, lowercasing
    /// each, which showed in the writer's and the consistency report's profiles.
    /// `transform` must not keep the row.
    func mapRows<T>(_ sql: String, _ arguments: StatementArguments, _ transform: (Row) throws -> T) throws -> [T] {
        let cursor = try Row.fetchCursor(try cachedStatement(sql: sql), arguments: arguments)
        var mapped: [T] = []
        while let row = try cursor.next() { mapped.append(try transform(row)) }
        return mapped
    }

    /// The first row of a cached statement, mapped while current (see `mapRows`).
    func mapRow<T>(_ sql: String, _ arguments: StatementArguments, _ transform: (Row) throws -> T) throws -> T? {
        let cursor = try Row.fetchCursor(try cachedStatement(sql: sql), arguments: arguments)
        return try cursor.next().map(transform)
    }
}

extension Database {
    /// A savepoint inside the current transaction, through the statement cache: GRDB's `inSavepoint`
    /// prepares its statements anew each time, and the writer opens one per write and per entity change.
    /// An error rolls back to the savepoint, releases it and is rethrown; if SQLite itself ended the
    /// transaction, `SavepointError.transactionEnded` says so, so no later write runs outside it.
    func inCachedSavepoint<T>(_ body: () throws -> T) throws -> T {
        guard isInsideTransaction else { throw SavepointError.transactionEnded }
        try run("SAVEPOINT write")
        do {
            let result = try body()
            try run("RELEASE SAVEPOINT write")
            return result
        } catch {
            guard isInsideTransaction else { throw SavepointError.transactionEnded }
            do {
                try run("ROLLBACK TO SAVEPOINT write")
                try run("RELEASE SAVEPOINT write")
            } catch {
                // The write could not be undone: committing the batch would keep half of it.
                throw SavepointError.transactionEnded
            }
            throw error
        }
    }
}

enum SavepointError: Error, Equatable {
    /// SQLite rolled the whole transaction back (a full disk, an I/O error): nothing more may run in it.
    case transactionEnded
}
