/// Why an entity change cannot be applied, as Central's problem code, message and details.
public struct EntityProblem: Error, Sendable, Equatable {
    public var code: Double
    public var message: String
    public var details: JSONObject

    public init(code: Double, message: String, details: JSONObject) {
        self.code = code
        self.message = message
        self.details = details
    }

    static func missingParameter(_ field: String) -> EntityProblem {
        EntityProblem(code: 400.2, message: "Required parameter \(field) missing.", details: ["field": .string(field)])
    }

    static func invalidType(_ field: String, expected: String) -> EntityProblem {
        EntityProblem(
            code: 400.11, message: "Invalid input data type: expected (\(field)) to be (\(expected))",
            details: ["field": .string(field), "expected": .string(expected)])
    }

    static func actionNotPermitted(_ action: String, permitted: [String]) -> EntityProblem {
        EntityProblem(
            code: 403.2,
            message:
                "The submission attempts an entity \(action), but the form does not permit that action. The form permits the following actions: \(permitted.joined(separator: ", ")).",
            details: ["action": .string(action), "permitted": .array(permitted.map(JSONValue.string))])
    }

    static func datasetNotFound(_ name: String) -> EntityProblem {
        EntityProblem(
            code: 404.7, message: "The dataset (\(name)) specified in the submission does not exist.",
            details: ["datasetName": .string(name)])
    }

    static func entityNotFound(_ uuid: String, dataset: String) -> EntityProblem {
        EntityProblem(
            code: 404.8,
            message: "The entity with UUID (\(uuid)) specified in the submission does not exist in the dataset (\(dataset)).",
            details: ["entityUuid": .string(uuid), "datasetName": .string(dataset)])
    }

    static func versionNotFound(_ version: String, uuid: String, dataset: String) -> EntityProblem {
        EntityProblem(
            code: 404.9, message: "Base version (\(version)) does not exist for entity UUID (\(uuid)) in dataset (\(dataset)).",
            details: [
                "baseVersion": Int64(version).map(JSONValue.int) ?? .string(version), "entityUuid": .string(uuid),
                "datasetName": .string(dataset),
            ])
    }

    static func entityDeleted(_ uuid: String) -> EntityProblem {
        EntityProblem(
            code: 404.11, message: "The entity with UUID (\(uuid)) has been deleted.", details: ["entityUuid": .string(uuid)])
    }

    static func uuidTaken(_ uuid: String) -> EntityProblem {
        EntityProblem(
            code: 409.3, message: "A resource already exists with uuid value(s) of \(uuid).",
            details: ["fields": ["uuid"], "values": .array([.string(uuid)])])
    }

    static func uuidOfDeletedEntity(_ uuid: String) -> EntityProblem {
        EntityProblem(
            code: 409.19,
            message: "The following UUID(s) cannot be used because they are associated with deleted Entities: (\(uuid)).",
            details: ["entityUuids": .array([.string(uuid)])])
    }

    /// A resolve of an entity that has no conflict (Central's 400.32).
    public static let noConflict = EntityProblem(code: 400.32, message: "The Entity doesn't have any conflict", details: [:])

    public static func staleVersion(current: Int, provided: String) -> EntityProblem {
        EntityProblem(
            code: 409.15,
            message:
                "Current version of the Entity is '\(current)' and you provided '\(provided)'. Please correct the version number or pass '?force=true' in the URL to forcefully update the Entity.",
            details: ["current": .string(String(current)), "provided": .string(provided)])
    }

    /// One problem for a submission whose several entity blocks failed (Central's 400.43).
    public static func several(_ failures: [(index: Int, problem: EntityProblem)], total: Int) -> EntityProblem {
        let listed = failures.map { "(Entity \($0.index + 1)) \($0.problem.message)" }.joined(separator: " ")
        return EntityProblem(
            code: 400.43,
            message: "Failed to process \(total) entities in submission due to \(failures.count) errors: \(listed)",
            details: [
                "count": .int(Int64(failures.count)), "total": .int(Int64(total)),
                "errors": .array(
                    failures.map {
                        .object([
                            "errorMessage": .string($0.problem.message), "index": .int(Int64($0.index)),
                            "problem": .object(["problemCode": .double($0.problem.code), "problemDetails": .object($0.problem.details)]),
                        ])
                    }),
            ])
    }
}
