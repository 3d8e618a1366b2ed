/// Parses `$filter` text into an `ODataExpression`.
///
/// Precedence, loosest first: `or`, `and`, the comparisons, then members, literals, calls and parentheses; `not` takes
/// everything after it (`not a eq 1 and b eq 2` is `not (a eq 1 and b eq 2)`), as the parser Central uses reads it.
/// OData syntax that this server does not evaluate (arithmetic, `has`, `in`, string and geo functions) is
/// recognised and refused as unsupported (501.4); text that is not OData is unparseable (400.18).
public struct ODataFilterParser {
    private var tokens: [ODataToken]
    private var position = 0
    private let text: String
    private var depth = 0

    /// Parentheses, `not`s and calls nested deeper than this are refused (400.18): the parser, the
    /// translation and the tree itself recurse, and 2,000 `(` overflowed the stack (found by `Fuzz/ODataFilter`).
    public static let maximumDepth = 64
    /// A longer expression is refused (400.18): a chain of `and`s is a tree as deep as it is long.
    public static let maximumTokens = 1_000

    static let supportedFunctions: [String: Int] = [
        "year": 1, "month": 1, "day": 1, "hour": 1, "minute": 1, "second": 1, "now": 0,
    ]
    /// OData functions a client may rightly send, which are not evaluated here.
    static let otherFunctions: Set<String> = [
        "contains", "endswith", "startswith", "length", "indexof", "substring", "matchesPattern", "tolower", "toupper",
        "trim", "concat", "fractionalseconds", "totalseconds", "date", "time", "totaloffsetminutes", "mindatetime",
        "maxdatetime", "round", "floor", "ceiling", "cast", "isof", "geo.distance", "geo.length", "geo.intersects",
        "hassubset", "hassubsequence", "case",
    ]
    static let otherOperators: Set<String> = ["add", "sub", "mul", "div", "divby", "mod", "has", "in"]

    public static func parse(_ text: String) throws(ODataError) -> ODataExpression {
        var parser = ODataFilterParser(tokens: try ODataLexer.tokens(text), text: text)
        guard !parser.tokens.isEmpty else { throw .unparseable(reason: "The expression is empty.") }
        guard parser.tokens.count <= maximumTokens else {
            throw .unparseable(reason: "The expression is longer than \(maximumTokens) tokens.")
        }
        let expression = try parser.orExpression()
        if let extra = parser.peek {
            if case .word(let word) = extra.kind, otherOperators.contains(word) {
                throw .unsupportedExpression(type: "\(word) operator", at: extra.at, text: text)
            }
            throw .unparseable(reason: "Unexpected '\(extra.text)' at \(extra.at).")
        }
        return expression
    }

    private var peek: ODataToken? { position < tokens.count ? tokens[position] : nil }

    private mutating func next() throws(ODataError) -> ODataToken {
        guard let token = peek else { throw .unparseable(reason: "The expression ends too early.") }
        position += 1
        return token
    }

    private mutating func take(word: String) -> Bool {
        if case .word(word) = peek?.kind {
            position += 1
            return true
        }
        return false
    }

    private mutating func orExpression() throws(ODataError) -> ODataExpression {
        depth += 1
        defer { depth -= 1 }
        guard depth <= Self.maximumDepth else {
            throw .unparseable(reason: "The expression is nested more than \(Self.maximumDepth) deep.")
        }
        var left = try andExpression()
        while take(word: "or") { left = .or(left, try andExpression()) }
        return left
    }

    private mutating func andExpression() throws(ODataError) -> ODataExpression {
        var left = try notExpression()
        while take(word: "and") { left = .and(left, try notExpression()) }
        return left
    }

    private mutating func notExpression() throws(ODataError) -> ODataExpression {
        if take(word: "not") { return .not(try orExpression()) }
        return try comparison()
    }

    private mutating func comparison() throws(ODataError) -> ODataExpression {
        let left = try operand()
        if case .word(let word) = peek?.kind {
            if let comparison = ODataComparison(rawValue: word) {
                position += 1
                return .comparison(comparison, left, try operand())
            }
            if Self.otherOperators.contains(word) {
                throw .unsupportedExpression(type: "\(word) operator", at: peek!.at, text: text)
            }
        }
        return left
    }

    private mutating func operand() throws(ODataError) -> ODataExpression {
        let token = try next()
        switch token.kind {
        case .literal(let literal):
            return .literal(literal)
        case .open:
            let inner = try orExpression()
            guard case .close = try next().kind else { throw .unparseable(reason: "Expected ')' to close '(' at \(token.at).") }
            return inner
        case .word(let word):
            guard case .open = peek?.kind else {
                if word.hasSuffix("/") || word.contains("//") || word.hasPrefix("/") {
                    throw .unparseable(reason: "'\(word)' at \(token.at) is not a property path.")
                }
                if ["and", "or", "not"].contains(word) || ODataComparison(rawValue: word) != nil {
                    throw .unparseable(reason: "Expected a value before '\(word)' at \(token.at).")
                }
                return .member(word, at: token.at)
            }
            position += 1
            var arguments: [ODataExpression] = []
            if case .close = peek?.kind {
                position += 1
            } else {
                while true {
                    arguments.append(try orExpression())
                    let separator = try next()
                    if case .close = separator.kind { break }
                    guard case .comma = separator.kind else {
                        throw .unparseable(reason: "Expected ',' or ')' at \(separator.at).")
                    }
                }
            }
            if let arity = Self.supportedFunctions[word] {
                guard arguments.count == arity else {
                    throw .unparseable(reason: "\(word)() takes \(arity) argument\(arity == 1 ? "" : "s"), not \(arguments.count).")
                }
                return .call(word, arguments, at: token.at)
            }
            if Self.otherFunctions.contains(word) {
                throw .unsupportedExpression(type: "\(word)()", at: token.at, text: text)
            }
            throw .unparseable(reason: "'\(word)' at \(token.at) is not an OData function.")
        case .close, .comma:
            throw .unparseable(reason: "Unexpected '\(token.text)' at \(token.at).")
        }
    }
}
