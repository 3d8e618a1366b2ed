import Foundation
import Hummingbird
import Entities
import OData

/// OData query options read from a request, and `ODataError` mapped to Central's problems: here and nowhere else.
enum ODataQuery {
    static func filter(_ request: Request) throws -> ODataFilter? {
        guard let text = request.query("$filter"), !text.trimmingCharacters(in: .whitespaces).isEmpty else { return nil }
        do { return try ODataFilter(text) } catch { throw problem(error) }
    }

    static func condition(_ filter: ODataFilter, columns: [String: ODataColumn], now: Date) throws -> SQLFragment {
        do { return try ODataSQL.condition(filter, columns: columns, now: now) } catch { throw problem(error) }
    }

    static func orderBy(_ request: Request, columns: [String: ODataColumn]) throws -> ODataOrderBy? {
        guard let text = request.query("$orderby"), !text.trimmingCharacters(in: .whitespaces).isEmpty else { return nil }
        do { return try ODataOrderBy(text, columns: columns) } catch { throw problem(error) }
    }

    static func problem(_ error: ODataError) -> Problem {
        switch error {
        case .unparseable(let reason):
            Problem(
                code: 400.18, message: "The OData filter expression you provided could not be parsed: \(reason)",
                details: ["reason": .string(reason)])
        case .unsupportedExpression(let type, let at, let text):
            Problem(
                code: 501.4,
                message: "The given OData filter expression uses features not supported by this server: \(type) at \(at) (\"\(text)\")",
                details: ["type": .string(type), "at": .int(Int64(at)), "text": .string(text)])
        case .unsupportedField(let text, let at):
            Problem(
                code: 501.5,
                message:
                    "The given OData filter expression references fields not supported by this server: \(text)\(at.map { " at \($0)" } ?? "")",
                details: at.map { ["text": .string(text), "at": .int(Int64($0))] } ?? ["text": .string(text)])
        }
    }
}
