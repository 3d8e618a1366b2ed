import Entities
import Foundation
import Hummingbird
import XMLParse

/// Reads and checks an uploaded XForm before anything is stored.
enum FormUpload {
    static let excelTypes = ["application/vnd.ms-excel", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"]

    /// The uploaded XForm with any whitespace before its first `<` dropped: Central accepts forms pasted with an
    /// indented `<?xml` declaration, which libxml2 (and Collect) would refuse.
    static func body(of request: Request, limit: Int) async throws -> Data {
        let xml = try await request.collectBody(limit: limit)
        let whitespace: Set<UInt8> = [0x20, 0x09, 0x0A, 0x0D]
        guard let first = xml.first, whitespace.contains(first) else { return xml }
        return Data(xml.drop(while: whitespace.contains))
    }

    static func definition(_ request: Request, xml: Data) throws -> XFormDefinition {
        let contentType = request.headers[.contentType]?.lowercased() ?? ""
        if excelTypes.contains(where: contentType.hasPrefix) {
            throw Problem(
                code: 501.3,
                message:
                    "This server has not been configured to allow XLSForm conversion. Please upload an XForms XML file (try XLSForm Online) or contact your server administrator."
            )
        }
        if contentType.hasPrefix("application/json") || contentType.hasPrefix("multipart/") {
            throw Problem.unexpectedValue(
                field: "Content-Type", value: contentType, reason: "an XForm is uploaded as XML (application/xml).")
        }
        let definition: XFormDefinition
        do {
            definition = try XFormParser.parse(xml)
        } catch .missingFormId, .missingPrimaryInstance {
            throw Problem.missingParameter("formId")
        } catch .doctypeForbidden {
            throw Problem.unexpectedValue(field: "XML", value: "<!DOCTYPE>", reason: "document type declarations are not accepted.")
        } catch {
            throw Problem.unparseable(format: "xml", rawLength: xml.count)
        }
        let id = definition.xmlFormId
        if id.hasSuffix(".xml") || id.hasSuffix(".xls") || id.hasSuffix(".xlsx") {
            throw Problem.unexpectedValue(field: "formId", value: id, reason: "The Form ID cannot end in .xls, .xlsx, or .xml.")
        }
        if id.count > 64 {
            throw Problem(code: 400.13, message: "Length of value too long for a field", details: ["maxLength": "64"])
        }
        if let reason = EntityFormRules.problem(in: definition) { throw Problem.invalidEntityForm(reason) }
        return definition
    }
}
