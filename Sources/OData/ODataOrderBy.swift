/// A parsed `$orderby`: the columns in order, each ascending (nulls first) or descending (nulls last), as Central
/// (which also ignores any words after the direction).
public struct ODataOrderBy: Sendable {
    public struct Term: Sendable {
        public var path: String
        public var column: ODataColumn
        public var descending: Bool
    }
    public let terms: [Term]

    public init(_ text: String, columns: [String: ODataColumn]) throws(ODataError) {
        var terms: [Term] = []
        for clause in text.split(separator: ",", omittingEmptySubsequences: false) {
            let words = clause.split(whereSeparator: \.isWhitespace).map(String.init)
            guard let path = words.first else { throw .unparseable(reason: "An $orderby term is empty.") }
            guard let column = columns[path] else { throw .unsupportedField(text: path, at: nil) }
            let direction = words.count == 2 ? words[1].lowercased() : "asc"
            guard direction == "asc" || direction == "desc" else { throw .unsupportedField(text: words[1], at: nil) }
            terms.append(Term(path: path, column: column, descending: direction == "desc"))
        }
        self.terms = terms
    }

    /// `ORDER BY` terms, then `stable` (a unique column) in the first term's direction so that pages never overlap.
    public func sql(stable: String) -> String {
        let parts = terms.map { "\($0.column.sql) \($0.descending ? "DESC NULLS LAST" : "ASC NULLS FIRST")" }
        return (parts + ["\(stable) \(terms.first?.descending == true ? "DESC" : "ASC")"]).joined(separator: ", ")
    }
}
