import Entities
import Foundation
import FuzzSupport
import XMLParse

/// A submission as a phone's storage or network may leave it: header, instance, entity blocks and
/// their validation, against the sample form it names (or `trees_update`).
let forms: [String: XFormDefinition] = Dictionary(
    SampleForms.xforms().compactMap { try? XFormParser.parse($0) }.map { ($0.xmlFormId, $0) }, uniquingKeysWith: { first, _ in first })

func fuzzSubmission(_ data: Data) {
    _ = try? SubmissionParser.instance(data)
    guard let header = try? SubmissionParser.header(data) else { return }
    guard let form = forms[header.xmlFormId] ?? forms["trees_update"] else { fatalError("the sample forms did not load") }
    guard let parsed = try? SubmissionParser.parse(data, declarations: form.entityDeclarations, binaryFields: form.binaryFields)
    else { return }
    for block in parsed.entityBlocks where form.entityDeclarations.indices.contains(block.declarationIndex) {
        _ = try? EntityChange(block: block, declaration: form.entityDeclarations[block.declarationIndex])
    }
}

@main enum FuzzMain {
    static func main() { FuzzTarget.main(fuzzSubmission) }
}
