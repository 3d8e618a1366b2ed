import Foundation
import XMLParse

/// What makes a form's entity declarations acceptable (Central's 400.25 reasons).
public enum EntityFormRules {
    /// The reason the form's entity definition is invalid, or nil when it is fine.
    public static func problem(in form: XFormDefinition) -> String? {
        guard !form.entityDeclarations.isEmpty else { return nil }
        guard let version = form.entitiesVersion, !version.isEmpty else {
            return "Entities specification version is missing."
        }
        guard let parsed = SpecVersion(version), parsed >= SpecVersion(2022, 1), parsed < SpecVersion(2025, 2) else {
            return "Entities specification version [\(version)] is not supported."
        }
        let needsRepeats = form.entityDeclarations.count > 1 || form.entityDeclarations.contains(where: \.isInRepeat)
        if needsRepeats, parsed < SpecVersion(2025, 1) {
            return
                "Entities specification version [\(version)] is not compatible with entities from repeats or multiple entity lists.  Please use version 2025.1.0 or later."
        }
        for declaration in form.entityDeclarations {
            let name = declaration.dataset.trimmingCharacters(in: .whitespaces)
            if name.isEmpty { return "Dataset name is missing." }
            if !DatasetNaming.isValidDatasetName(name) { return "Invalid dataset name." }
            if !declaration.allowsCreate && !declaration.allowsUpdate {
                return "The form must specify at least one entity action, for example, create or update."
            }
            var seen = Set<String>()
            for binding in declaration.properties {
                if !DatasetNaming.isValidPropertyName(binding.property) { return "Invalid entity property name." }
                let innermostRepeat = form.repeatPaths.filter { binding.path.starts(with: $0) }.map(\.count).max() ?? 0
                if innermostRepeat > declaration.containerPath.count {
                    return "Cannot save properties from a repeat on an entity outside of a repeat."
                }
                if !seen.insert(binding.property).inserted {
                    return "Multiple Form Fields cannot be saved to a single property."
                }
            }
        }
        return nil
    }
}

/// `YEAR.MINOR[.PATCH]` entity spec versions, compared on year and minor.
struct SpecVersion: Comparable {
    let year: Int
    let minor: Int

    init(_ year: Int, _ minor: Int) {
        self.year = year
        self.minor = minor
    }

    init?(_ text: String) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard (2...3).contains(parts.count), let year = Int(parts[0]), let minor = Int(parts[1]),
            parts.count == 2 || Int(parts[2]) != nil
        else { return nil }
        self.init(year, minor)
    }

    static func < (lhs: SpecVersion, rhs: SpecVersion) -> Bool {
        (lhs.year, lhs.minor) < (rhs.year, rhs.minor)
    }
}
