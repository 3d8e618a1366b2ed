import Foundation

/// A column an OData path may name, as trusted SQL written by this server, with the type it holds.
public struct ODataColumn: Sendable {
    public enum Kind: Sendable { case text, integer, timestamp }
    public var sql: String
    public var kind: Kind
    public init(_ sql: String, _ kind: Kind) {
        self.sql = sql
        self.kind = kind
    }
}

/// A value bound to a `?` of an `SQLFragment`.
public enum SQLValue: Equatable, Sendable {
    case null, integer(Int64), real(Double), text(String)
}

/// SQL text whose every user-supplied value is a `?` placeholder, with the values in order.
public struct SQLFragment: Equatable, Sendable {
    public var sql: String
    public var arguments: [SQLValue]
    public init(_ sql: String, _ arguments: [SQLValue] = []) {
        self.sql = sql
        self.arguments = arguments
    }
}

/// Translates parsed OData into SQLite SQL over the columns a resource offers. Paths are looked up, never copied
/// into the SQL; literals become arguments.
public enum ODataSQL {
    /// The `WHERE` condition for `filter`. Times compare as the stored UTC text, so date literals are normalized
    /// first; `now()` is `now`, bound as a value so that a test clock can fix it.
    public static func condition(_ filter: ODataFilter, columns: [String: ODataColumn], now: Date) throws(ODataError) -> SQLFragment {
        var translator = Translator(columns: columns, now: now, source: filter.text)
        return try translator.boolean(filter.expression)
    }

    /// Whether the filter names a `deletedAt` field: Central then shows deleted rows too, as the filter decides.
    public static func mentionsDeletedAt(_ filter: ODataFilter?) -> Bool {
        filter?.expression.members.contains { $0 == "__system/deletedAt" || $0 == "$root/Submissions/__system/deletedAt" } ?? false
    }

    private struct Translator {
        enum Kind {
            case boolean
            /// A value, its column kind when known, and the literal when it is one (to normalize against a time).
            case value(ODataColumn.Kind?, ODataLiteral?)
        }
        struct Result {
            var fragment: SQLFragment
            var kind: Kind
        }
        let columns: [String: ODataColumn]
        let now: Date
        let source: String

        mutating func translate(_ expression: ODataExpression) throws(ODataError) -> Result {
            switch expression {
            case .member(let path, let at):
                guard let column = columns[path] else { throw .unsupportedField(text: path, at: at) }
                return Result(fragment: SQLFragment(column.sql), kind: .value(column.kind, nil))
            case .literal(let literal):
                return Result(fragment: SQLFragment("?", [Self.argument(literal)]), kind: .value(nil, literal))
            case .call(let name, let arguments, let at):
                if name == "now" {
                    return Result(fragment: SQLFragment("?", [.text(ODataDateTime.string(now))]), kind: .value(.timestamp, nil))
                }
                let argument = try timeOperand(arguments[0], function: name, at: at)
                let format = ["year": "%Y", "month": "%m", "day": "%d", "hour": "%H", "minute": "%M", "second": "%f"][name]!
                let type = name == "second" ? "REAL" : "INTEGER"
                return Result(
                    fragment: SQLFragment("CAST(strftime('\(format)', \(argument.sql)) AS \(type))", argument.arguments),
                    kind: .value(.integer, nil))
            case .comparison(let comparison, let leftExpression, let rightExpression):
                var left = try value(leftExpression)
                var right = try value(rightExpression)
                try normalizeTimes(&left, against: right)
                try normalizeTimes(&right, against: left)
                return Result(fragment: Self.compare(comparison, left, right), kind: .boolean)
            case .and(let left, let right):
                return try junction("AND", left, right)
            case .or(let left, let right):
                return try junction("OR", left, right)
            case .not(let inner):
                let condition = try boolean(inner)
                return Result(fragment: SQLFragment("(NOT \(condition.sql))", condition.arguments), kind: .boolean)
            }
        }

        private mutating func junction(_ word: String, _ left: ODataExpression, _ right: ODataExpression) throws(ODataError) -> Result {
            let l = try boolean(left)
            let r = try boolean(right)
            return Result(fragment: SQLFragment("(\(l.sql) \(word) \(r.sql))", l.arguments + r.arguments), kind: .boolean)
        }

        mutating func boolean(_ expression: ODataExpression) throws(ODataError) -> SQLFragment {
            if case .literal(.boolean(let value)) = expression { return SQLFragment(value ? "1" : "0") }
            let result = try translate(expression)
            guard case .boolean = result.kind else {
                throw .unsupportedExpression(type: "value used as a condition", at: 0, text: source)
            }
            return result.fragment
        }

        private mutating func value(_ expression: ODataExpression) throws(ODataError) -> Result {
            let result = try translate(expression)
            guard case .value = result.kind else {
                throw .unsupportedExpression(type: "condition compared as a value", at: 0, text: source)
            }
            return result
        }

        private mutating func timeOperand(_ expression: ODataExpression, function: String, at: Int) throws(ODataError) -> SQLFragment {
            var result = try value(expression)
            switch result.kind {
            case .value(.timestamp, _): return result.fragment
            case .value(nil, .some):
                try normalizeTimes(&result, against: Result(fragment: SQLFragment(""), kind: .value(.timestamp, nil)))
                return result.fragment
            default:
                throw .unsupportedExpression(type: "\(function)() of a value that is not a time", at: at, text: source)
            }
        }

        /// A date or text literal compared with a time is read as a time and rewritten in the stored form.
        private func normalizeTimes(_ side: inout Result, against other: Result) throws(ODataError) {
            guard case .value(nil, .some(let literal)) = side.kind, case .value(.timestamp, _) = other.kind else { return }
            let text: String
            switch literal {
            case .dateTime(let raw), .string(let raw): text = raw
            default: return
            }
            guard let utc = ODataDateTime.utc(text) else {
                throw .unparseable(reason: "'\(text)' is not a date or a date and time with an offset.")
            }
            side.fragment = SQLFragment("?", [.text(utc)])
        }

        static func compare(_ comparison: ODataComparison, _ left: Result, _ right: Result) -> SQLFragment {
            func isNull(_ result: Result) -> Bool {
                if case .value(_, .some(.null)) = result.kind { return true }
                return false
            }
            let arguments = left.fragment.arguments + right.fragment.arguments
            switch comparison {
            case .eq, .ne:
                let negated = comparison == .ne
                if isNull(left) && isNull(right) { return SQLFragment(negated ? "0" : "1") }
                if isNull(right) { return SQLFragment("(\(left.fragment.sql) IS \(negated ? "NOT " : "")NULL)", left.fragment.arguments) }
                if isNull(left) { return SQLFragment("(\(right.fragment.sql) IS \(negated ? "NOT " : "")NULL)", right.fragment.arguments) }
                return SQLFragment("(\(left.fragment.sql) IS \(negated ? "NOT " : "")\(right.fragment.sql))", arguments)
            case .lt, .le, .gt, .ge:
                let symbol = [ODataComparison.lt: "<", .le: "<=", .gt: ">", .ge: ">="][comparison]!
                return SQLFragment("(\(left.fragment.sql) \(symbol) \(right.fragment.sql))", arguments)
            }
        }

        static func argument(_ literal: ODataLiteral) -> SQLValue {
            switch literal {
            case .null: .null
            case .boolean(let value): .integer(value ? 1 : 0)
            case .integer(let value): .integer(value)
            case .decimal(let value): .real(value)
            case .string(let value), .dateTime(let value): .text(value)
            }
        }
    }
}
