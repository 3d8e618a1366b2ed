/// Why a query option was refused; the HTTP layer maps each case to Central's problem.
public enum ODataError: Error, Equatable, Sendable {
    /// Central's 400.18: the text is not an OData expression.
    case unparseable(reason: String)
    /// Central's 501.4: valid OData, but a construct this server does not evaluate.
    case unsupportedExpression(type: String, at: Int, text: String)
    /// Central's 501.5: a property this server cannot filter or sort on.
    case unsupportedField(text: String, at: Int?)
}
