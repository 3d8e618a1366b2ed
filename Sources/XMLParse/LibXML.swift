import CLibXML2
import Foundation

/// Shared libxml2 plumbing: one-time initialisation, safe options, error text, names.
enum LibXML {
    private static let ready: Void = {
        xmlInitParser()
        xml_silence_generic_errors()
    }()

    /// libxml2 must be initialised once before it is used from several threads.
    static func ensureReady() { _ = ready }

    /// No network, no entity substitution, no DTD loading, no noise on stderr.
    static let safeOptions = Int32(
        XML_PARSE_NONET.rawValue | XML_PARSE_NOERROR.rawValue | XML_PARSE_NOWARNING.rawValue
            | XML_PARSE_NOCDATA.rawValue)

    static func lastErrorMessage() -> String {
        guard let error = xmlGetLastError(), let message = error.pointee.message else {
            return "the document is not well-formed XML"
        }
        let text = String(cString: message).trimmingCharacters(in: .whitespacesAndNewlines)
        return "line \(error.pointee.line): \(text)"
    }

    static func string(_ pointer: UnsafePointer<xmlChar>?) -> String? {
        guard let pointer else { return nil }
        return String(cString: pointer)
    }

    /// Drops a namespace prefix, including one libxml2 kept because it was never declared (`orx:instanceID`).
    static func localName(_ name: String) -> String {
        guard let colon = name.lastIndex(of: ":") else { return name }
        return String(name[name.index(after: colon)...])
    }
}
