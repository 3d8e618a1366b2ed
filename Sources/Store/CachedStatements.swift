import GRDB

extension Database {
    /// Runs one statement through the connection's prepared-statement cache: the submission path runs
    /// the same few dozen statements over and over, and preparing them anew each time showed in profiles.
    func run(_ sql: String, _ arguments: StatementArguments = StatementArguments()) throws {
        try cachedStatement(sql: sql).execute(arguments: arguments)
    }
}
