/// A `$filter` as the client wrote it and as parsed.
public struct ODataFilter: Sendable, Equatable {
    public let text: String
    public let expression: ODataExpression

    public init(_ text: String) throws(ODataError) {
        self.text = text
        expression = try ODataFilterParser.parse(text)
    }
}
