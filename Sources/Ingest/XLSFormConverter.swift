import Entities
import Foundation

/// Turns an uploaded XLSForm into an XForm with pyxform's `xls2xform`, as Central does through pyxform-http.
/// The file is written under the scratch directory with the fallback form id as its name, because pyxform
/// takes the form id from the file name when the XLSForm's settings give none.
struct XLSFormConverter: Sendable {
    let command: String
    let scratchDirectory: String

    struct Converted {
        var xml: Data
        var warnings: [String]
    }

    func convert(_ spreadsheet: Data, contentType: String, formIdFallback: String?) async throws -> Converted {
        let folder = URL(fileURLWithPath: scratchDirectory).appendingPathComponent("xlsform-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let suffix = contentType.hasPrefix("application/vnd.ms-excel") ? "xls" : "xlsx"
        let input = folder.appendingPathComponent("\(Self.fileName(formIdFallback)).\(suffix)")
        let outputFile = folder.appendingPathComponent("form.xml")
        try spreadsheet.write(to: input)
        // No validator flag: pyxform 4.5.0 reads `--skip_validate` alone as "run ODK Validate" (Java), and with
        // no flag runs none, which is what Central's pyxform-http does.
        let (status, output) = try await Self.run(command, [input.path, outputFile.path, "--json"])
        let report =
            output.split(separator: 0x0A).reversed().lazy.compactMap { line -> JSONValue? in
                guard let value = try? JSONValue.parse(Data(line)), value["code"] != nil else { return nil }
                return value
            }.first ?? .null
        let warnings = report["warnings"]?.arrayValue?.compactMap(\.stringValue) ?? []
        let converted = [100, 101].contains(report["code"]?.intValue ?? 0)
        guard status == 0, converted, let xml = try? Data(contentsOf: outputFile) else {
            let error = report["message"]?.stringValue ?? "The XLSForm could not be converted."
            throw Problem(
                code: 400.15, message: "The given XLSForm file was not valid. Please see the error details for more information.",
                details: ["error": .string(error), "warnings": .array(warnings.map(JSONValue.string))])
        }
        return Converted(xml: xml, warnings: warnings)
    }

    /// The fallback id as pyxform will read it back from the file name: percent-decoded, and only the
    /// characters an XML name can hold (anything else, or nothing, gives "form").
    static func fileName(_ fallback: String?) -> String {
        let decoded = fallback?.removingPercentEncoding ?? fallback ?? ""
        let kept = String(
            decoded.unicodeScalars.filter {
                $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || "_-.".unicodeScalars.contains($0))
            })
        let trimmed = kept.trimmingCharacters(in: CharacterSet(charactersIn: "."))
        return trimmed.isEmpty || !(trimmed.unicodeScalars.first!.properties.isAlphabetic || trimmed.first == "_")
            ? "form" : String(trimmed.prefix(64))
    }

    /// Runs the converter on its own threads (at most two at once: each is a Python process and a blocked
    /// thread), for at most `timeout` seconds; a converter that cannot be started is Central's 502.2.
    private static func run(_ command: String, _ arguments: [String]) async throws -> (Int32, Data) {
        guard let ran = await conversions.run({ launch(command, arguments) }) else {
            throw Problem(code: 502.2, message: "The XLSForm conversion service could not be contacted.")
        }
        return ran
    }

    static let conversions = BoundedWork(width: 2)
    static let timeout: TimeInterval = 60

    private static func launch(_ command: String, _ arguments: [String]) -> (Int32, Data)? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: command)
        process.arguments = arguments
        // The report is logged, to stdout or stderr depending on pyxform's logging set-up: read both.
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        do { try process.run() } catch { return nil }
        // A converter stuck on a pathological sheet is stopped: terminate, then kill.
        let deadline = DispatchWorkItem {
            process.terminate()
            DispatchQueue.global().asyncAfter(deadline: .now() + 5) { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
        }
        DispatchQueue.global().asyncAfter(deadline: .now() + timeout, execute: deadline)
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        deadline.cancel()
        return (process.terminationStatus, output)
    }
}
