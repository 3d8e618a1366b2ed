/// Which names a dataset and its properties may have.
///
/// Both must be XML names (they become element names in the entity list CSV and in forms),
/// may not start with the `__` that system columns use, and dataset names may not hold a period.
public enum DatasetNaming {
    public static func isValidDatasetName(_ name: String) -> Bool {
        isXMLName(name, allowPeriod: false)
    }

    public static func isValidPropertyName(_ name: String) -> Bool {
        let lowered = name.lowercased()
        return isXMLName(name, allowPeriod: true) && lowered != "name" && lowered != "label"
    }

    private static func isXMLName(_ name: String, allowPeriod: Bool) -> Bool {
        guard let first = name.unicodeScalars.first, !name.hasPrefix("__") else { return false }
        guard first.properties.isAlphabetic || first == "_" || first == ":" else { return false }
        return name.unicodeScalars.dropFirst().allSatisfy { scalar in
            scalar.properties.isAlphabetic || scalar.properties.numericType == .decimal
                || scalar == "_" || scalar == ":" || scalar == "-" || (allowPeriod && scalar == ".")
        }
    }
}
