import Foundation
import HTTPTypes
import Hummingbird
import Store

/// OpenRosa's envelope, headers and escaping.
enum OpenRosa {
    static let versionHeader = HTTPField.Name("X-OpenRosa-Version")!
    static let acceptLengthHeader = HTTPField.Name("X-OpenRosa-Accept-Content-Length")!
    static let acceptContentLength = 100_000_000

    static func headers(contentType: String? = "text/xml; charset=utf-8") -> HTTPFields {
        var headers = HTTPFields()
        if let contentType { headers[.contentType] = contentType }
        headers[versionHeader] = "1.0"
        headers[acceptLengthHeader] = String(acceptContentLength)
        headers[.contentLanguage] = "en"
        headers[.date] = httpDate(Date())
        return headers
    }

    static func response(status: HTTPResponse.Status, message: String, nature: String) -> Response {
        let body = """

              <OpenRosaResponse xmlns="http://openrosa.org/http/response" items="0">
                <message nature="\(nature)">\(escape(message))</message>
              </OpenRosaResponse>
            """
        return Response(status: status, headers: headers(), body: .init(byteBuffer: ByteBuffer(string: body)))
    }

    static func xml(_ text: String) -> Response {
        Response(status: .ok, headers: headers(), body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    static func escape(_ text: String) -> String {
        let special: [UInt8] = Array("&<>\"'".utf8)
        if !text.utf8.contains(where: special.contains) { return text }
        var out = ""
        out.reserveCapacity(text.count)
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }

    /// RFC 7231's date, formatted by hand: a DateFormatter per response showed in profiles.
    static func httpDate(_ date: Date) -> String {
        var seconds = time_t(date.timeIntervalSince1970)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(days[Int(parts.tm_wday)]), \(two(parts.tm_mday)) \(months[Int(parts.tm_mon)]) \(parts.tm_year + 1900) "
            + "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)) GMT"
    }

    /// OpenRosa clients must say which protocol version they speak.
    static func requireVersionHeader(_ request: Request) throws {
        let value = request.headers[versionHeader]
        guard value == "1.0" else { throw Problem.invalidHeader("X-OpenRosa-Version", value: value).asOpenRosa() }
    }
}

extension OpenRosa {
    /// One `<xform>` of a form list, Central's template; `path` is the form's URL without `.xml`.
    static func formListItem(form: FormRecord, def: FormDefRecord, path: String, hasAttachments: Bool) -> String {
        var item = """
                <xform>
                  <formID>\(escape(form.xmlFormId))</formID>
                  <name>\(escape(def.name ?? form.xmlFormId))</name>
                  <version>\(escape(def.version))</version>
                  <hash>md5:\(def.hash)</hash>
                  <downloadUrl>\(escape(path)).xml</downloadUrl>

            """
        if hasAttachments { item += "      <manifestUrl>\(escape(path))/manifest</manifestUrl>\n" }
        return item + "    </xform>\n"
    }

    static func formList(_ items: [String]) -> Response {
        xml(
            """
            <?xml version="1.0" encoding="UTF-8"?>
            <xforms xmlns="http://openrosa.org/xforms/xformsList">
            \(items.joined())</xforms>
            """)
    }
}
