import Entities
import Foundation
import FuzzSupport
import XMLParse

/// An uploaded form definition: the XForm reader, the field list the exports use, and the entity form rules.
func fuzzXForm(_ data: Data) {
    _ = try? XFormParser.fields(data)
    guard let form = try? XFormParser.parse(data) else { return }
    _ = EntityFormRules.problem(in: form)
}

@main enum FuzzMain {
    static func main() { FuzzTarget.main(fuzzXForm) }
}
