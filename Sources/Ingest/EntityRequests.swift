import Entities
import Foundation
import Store

/// Reads entity create and update bodies as Central does.
enum EntityRequests {
    static func change(
        from body: JSONObject, dataset: DatasetDetail, creating: Bool, uuid existing: String? = nil, baseVersion: Int? = nil
    ) throws -> EntityChange {
        let allowed = creating ? ["label", "uuid", "data"] : ["label", "data"]
        let unexpected = body.keys.filter { !allowed.contains($0) }
        if !unexpected.isEmpty {
            throw Problem(
                code: 400.31,
                message: "Expected parameters: (\(allowed.joined(separator: ", "))). Got (\(body.keys.joined(separator: ", "))).",
                details: ["expected": .array(allowed.map(JSONValue.string)), "actual": .array(body.keys.map(JSONValue.string))])
        }
        // A null label or data is read as left out, as Central reads it.
        let labelGiven = body["label"].flatMap { $0 == .null ? nil : $0 }
        let dataGiven = body["data"].flatMap { $0 == .null ? nil : $0 }
        var label: String?
        if let value = labelGiven {
            guard let text = value.stringValue else { throw Problem.invalidDataType(field: "label", expected: "string") }
            guard !text.trimmingCharacters(in: .whitespaces).isEmpty else {
                throw Problem.unexpectedValue(field: "label", value: text, reason: "Label cannot be blank.")
            }
            label = text
        } else if creating {
            throw Problem.missingParameter("label")
        }
        if labelGiven == nil && dataGiven == nil {
            throw Problem(
                code: 400.28, message: "The entity is invalid. No entity data or label provided.",
                details: ["reason": "No entity data or label provided."])
        }
        let known = Set(dataset.properties.map(\.name))
        var properties = EntityProperties()
        if let data = dataGiven {
            guard let object = data.objectValue else { throw Problem.invalidDataType(field: "data", expected: "object") }
            for (name, value) in object.pairs {
                guard known.contains(name) else {
                    throw Problem(
                        code: 400.28, message: "The entity is invalid. You specified the dataset property [\(name)] which does not exist.",
                        details: ["reason": .string("You specified the dataset property [\(name)] which does not exist.")])
                }
                guard let text = value.stringValue else { throw Problem.invalidDataType(field: name, expected: "string") }
                properties[name] = text
            }
        }
        var uuid = existing ?? UUID().uuidString.lowercased()
        if creating, let given = body["uuid"] {
            guard let text = given.stringValue, let normalized = UUIDText.normalizedV4(text) else {
                throw Problem.invalidDataType(field: "uuid", expected: "valid version 4 UUID")
            }
            uuid = normalized
        }
        return EntityChange(
            uuid: uuid, datasetName: dataset.dataset.name, label: label, properties: properties, wantsCreate: creating,
            wantsUpdate: !creating, baseVersion: baseVersion, trunkVersion: nil, branchId: nil, formAllowsCreate: true,
            formAllowsUpdate: true)
    }
}

extension Problem {
    init(_ problem: EntityProblem) {
        self.init(code: problem.code, message: problem.message, details: problem.details.isEmpty ? nil : .object(problem.details))
    }
}
