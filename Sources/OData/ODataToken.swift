/// One lexeme of an OData expression, with its offset in the text.
struct ODataToken: Equatable {
    enum Kind: Equatable {
        case word(String)
        case literal(ODataLiteral)
        case open, close, comma
    }
    var kind: Kind
    var at: Int
    var text: String
}

/// Splits an OData expression into tokens; anything that cannot start a token is a parse error.
enum ODataLexer {
    static func tokens(_ text: String) throws(ODataError) -> [ODataToken] {
        let scalars = Array(text.unicodeScalars)
        var tokens: [ODataToken] = []
        var index = 0
        func isWordStart(_ s: Unicode.Scalar) -> Bool { s == "_" || s == "$" || (s.isASCII && s.properties.isAlphabetic) }
        func isWordPart(_ s: Unicode.Scalar) -> Bool { isWordStart(s) || ("0"..."9").contains(s) || s == "/" || s == "." }
        func isDigit(_ at: Int) -> Bool { at < scalars.count && ("0"..."9").contains(scalars[at]) }
        func slice(_ from: Int, _ to: Int) -> String { String(String.UnicodeScalarView(scalars[from..<to])) }

        while index < scalars.count {
            let start = index
            let scalar = scalars[index]
            switch scalar {
            case " ", "\t", "\n", "\r":
                index += 1
                continue
            case "(": tokens.append(ODataToken(kind: .open, at: start, text: "(")); index += 1
            case ")": tokens.append(ODataToken(kind: .close, at: start, text: ")")); index += 1
            case ",": tokens.append(ODataToken(kind: .comma, at: start, text: ",")); index += 1
            case "'":
                var value = String.UnicodeScalarView()
                index += 1
                while true {
                    guard index < scalars.count else { throw .unparseable(reason: "The string starting at \(start) is not closed.") }
                    if scalars[index] == "'" {
                        if index + 1 < scalars.count, scalars[index + 1] == "'" {
                            value.append("'")
                            index += 2
                            continue
                        }
                        index += 1
                        break
                    }
                    value.append(scalars[index])
                    index += 1
                }
                tokens.append(ODataToken(kind: .literal(.string(String(value))), at: start, text: slice(start, index)))
            case _ where isDigit(index) || (scalar == "-" && isDigit(index + 1)):
                index += 1
                while index < scalars.count, isWordPart(scalars[index]) || "-+:".unicodeScalars.contains(scalars[index]) {
                    index += 1
                }
                let raw = slice(start, index)
                guard let literal = numberOrDate(raw) else {
                    throw .unparseable(reason: "'\(raw)' at \(start) is neither a number nor a date.")
                }
                tokens.append(ODataToken(kind: .literal(literal), at: start, text: raw))
            case _ where isWordStart(scalar):
                while index < scalars.count, isWordPart(scalars[index]) { index += 1 }
                let word = slice(start, index)
                let kind: ODataToken.Kind =
                    switch word {
                    case "null": .literal(.null)
                    case "true": .literal(.boolean(true))
                    case "false": .literal(.boolean(false))
                    default: .word(word)
                    }
                tokens.append(ODataToken(kind: kind, at: start, text: word))
            default:
                throw .unparseable(reason: "Unexpected character '\(scalar)' at \(start).")
            }
        }
        return tokens
    }

    static func numberOrDate(_ raw: String) -> ODataLiteral? {
        if let integer = Int64(raw) { return .integer(integer) }
        if raw.allSatisfy({ $0.isNumber || "+-.eE".contains($0) }), let decimal = Double(raw), decimal.isFinite {
            return .decimal(decimal)
        }
        return ODataDateTime.isValid(raw) ? .dateTime(raw) : nil
    }
}
