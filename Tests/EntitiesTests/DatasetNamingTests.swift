import Testing

@testable import Entities
import EntityScenarios

@Suite struct DatasetNamingTests {
    @Test(arguments: ["trees", "people_2", "été", "a-b", "_x", "ns:name"])
    func acceptsXMLNamesAsDatasetNames(_ name: String) {
        #expect(DatasetNaming.isValidDatasetName(name))
    }

    @Test(arguments: ["", "__system", "2trees", "tree.s", "has space", "-x"])
    func refusesOtherDatasetNames(_ name: String) {
        #expect(!DatasetNaming.isValidDatasetName(name))
    }

    @Test func propertiesMayHoldPeriodsButNotReservedNames() {
        #expect(DatasetNaming.isValidPropertyName("height.cm"))
        #expect(!DatasetNaming.isValidPropertyName("name"))
        #expect(!DatasetNaming.isValidPropertyName("Label"))
        #expect(!DatasetNaming.isValidPropertyName("__id"))
    }
}
