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

    /// The uploaded form as an XForm: XML as sent, or an XLSForm converted by `converter`. Conversion
    /// warnings refuse the upload (400.16) unless `ignoreWarnings=true`, as Central.
    static func xform(of request: Request, limit: Int, converter: XLSFormConverter?) async throws -> Data {
        let contentType = request.headers[.contentType]?.lowercased() ?? ""
        guard excelTypes.contains(where: contentType.hasPrefix) else { return try await body(of: request, limit: limit) }
        guard let converter else {
            throw Problem(
                code: 501.3,
                message:
                    "This server has not been configured to allow XLSForm conversion. Please upload an XForms XML file (try XLSForm Online) or contact your server administrator."
            )
        }
        let spreadsheet = try await request.collectBody(limit: limit)
        let converted = try await converter.convert(
            spreadsheet, contentType: contentType, formIdFallback: request.headers[HeaderNames.xlsformFormIdFallback])
        if !converted.warnings.isEmpty && request.query("ignoreWarnings")?.lowercased() != "true" {
            throw Problem(
                code: 400.16,
                message:
                    "The Form is valid, but with warnings. Please check the warnings and if they are acceptable resubmit with ?ignoreWarnings=true",
                details: ["warnings": ["xlsFormWarnings": .array(converted.warnings.map(JSONValue.string))]])
        }
        return converted.xml
    }

    static func definition(_ request: Request, xml: Data) throws -> XFormDefinition {
        let contentType = request.headers[.contentType]?.lowercased() ?? ""
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
