@testable import OData

/// The OData error `body` throws, or nil when it succeeds.
func failure(_ body: () throws -> Void) -> ODataError? {
    do {
        try body()
        return nil
    } catch {
        return error as? ODataError
    }
}

extension ODataError {
    var isUnparseable: Bool { if case .unparseable = self { true } else { false } }
    var isUnsupportedExpression: Bool { if case .unsupportedExpression = self { true } else { false } }
}
