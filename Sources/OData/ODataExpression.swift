/// A parsed `$filter` expression: the part of OData's grammar a filter over system fields needs.
public indirect enum ODataExpression: Equatable, Sendable {
    /// A property path such as `__system/submissionDate` or `$root/Submissions/__id`, with its offset in the text.
    case member(String, at: Int)
    case literal(ODataLiteral)
    /// A function call such as `year(__system/submissionDate)` or `now()`.
    case call(String, [ODataExpression], at: Int)
    case comparison(ODataComparison, ODataExpression, ODataExpression)
    case and(ODataExpression, ODataExpression)
    case or(ODataExpression, ODataExpression)
    case not(ODataExpression)

    /// Every member path the expression names, in order.
    public var members: [String] {
        switch self {
        case .member(let path, _): [path]
        case .literal: []
        case .call(_, let arguments, _): arguments.flatMap(\.members)
        case .comparison(_, let left, let right), .and(let left, let right), .or(let left, let right): left.members + right.members
        case .not(let inner): inner.members
        }
    }
}

public enum ODataComparison: String, Sendable, CaseIterable {
    case eq, ne, lt, le, gt, ge
}

public enum ODataLiteral: Equatable, Sendable {
    case null
    case boolean(Bool)
    case integer(Int64)
    case decimal(Double)
    case string(String)
    /// A date (`2024-01-31`) or date-time with an offset (`2024-01-31T10:00:00.5+02:00`), as written.
    case dateTime(String)
}
