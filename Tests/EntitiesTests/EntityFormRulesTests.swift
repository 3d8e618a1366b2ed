import Testing
import XMLParse

@testable import Entities
import EntityScenarios

@Suite struct EntityFormRulesTests {
    func form(version: String?, declarations: [EntityDeclaration]) -> XFormDefinition {
        XFormDefinition(
            xmlFormId: "f", version: "1", title: nil, entitiesVersion: version, entityDeclarations: declarations,
            attachments: [], hasInstanceID: true)
    }

    func declaration(
        dataset: String = "trees", create: Bool = true, update: Bool = false, inRepeat: Bool = false, properties: [String] = ["height"]
    ) -> EntityDeclaration {
        EntityDeclaration(
            dataset: dataset, allowsCreate: create, allowsUpdate: update, containerPath: inRepeat ? ["data", "r"] : ["data"],
            isInRepeat: inRepeat, properties: properties.map { SavetoBinding(path: ["data", $0], property: $0) })
    }

    @Test func formWithoutEntitiesNeedsNoVersion() {
        #expect(EntityFormRules.problem(in: form(version: nil, declarations: [])) == nil)
    }

    @Test func validDeclarationPasses() {
        #expect(EntityFormRules.problem(in: form(version: "2024.1.0", declarations: [declaration()])) == nil)
    }

    @Test func missingOrUnsupportedVersionIsNamed() {
        #expect(
            EntityFormRules.problem(in: form(version: nil, declarations: [declaration()])) == "Entities specification version is missing.")
        #expect(
            EntityFormRules.problem(in: form(version: "2021.1.0", declarations: [declaration()]))
                == "Entities specification version [2021.1.0] is not supported.")
        #expect(
            EntityFormRules.problem(in: form(version: "2026.1.0", declarations: [declaration()]))
                == "Entities specification version [2026.1.0] is not supported.")
        #expect(EntityFormRules.problem(in: form(version: "2025.1.3", declarations: [declaration()])) == nil)
    }

    @Test func repeatsNeedTheVersionThatIntroducedThem() {
        let problem = EntityFormRules.problem(in: form(version: "2024.1.0", declarations: [declaration(inRepeat: true)]))
        #expect(problem?.contains("not compatible with entities from repeats") == true)
        #expect(EntityFormRules.problem(in: form(version: "2025.1.0", declarations: [declaration(inRepeat: true)])) == nil)
    }

    @Test func badDatasetOrPropertyNamesAreNamed() {
        #expect(
            EntityFormRules.problem(in: form(version: "2024.1.0", declarations: [declaration(dataset: "")])) == "Dataset name is missing.")
        #expect(
            EntityFormRules.problem(in: form(version: "2024.1.0", declarations: [declaration(dataset: "a.b")])) == "Invalid dataset name.")
        #expect(
            EntityFormRules.problem(in: form(version: "2024.1.0", declarations: [declaration(properties: ["label"])]))
                == "Invalid entity property name.")
        #expect(
            EntityFormRules.problem(in: form(version: "2024.1.0", declarations: [declaration(properties: ["h", "h"])]))
                == "Multiple Form Fields cannot be saved to a single property.")
    }

    @Test func aDeclarationMustAllowSomeAction() {
        #expect(
            EntityFormRules.problem(in: form(version: "2024.1.0", declarations: [declaration(create: false, update: false)]))
                == "The form must specify at least one entity action, for example, create or update.")
    }
}

extension EntityFormRulesTests {
    @Test func propertySavedFromARepeatOnAnEntityOutsideItIsRefused() {
        var outside = form(
            version: "2025.1.0",
            declarations: [
                EntityDeclaration(
                    dataset: "children", allowsCreate: true, allowsUpdate: false, containerPath: ["data"], isInRepeat: false,
                    properties: [SavetoBinding(path: ["data", "children", "child", "toy"], property: "toy")])
            ])
        outside.repeatPaths = [["data", "children", "child"]]
        #expect(EntityFormRules.problem(in: outside) == "Cannot save properties from a repeat on an entity outside of a repeat.")

        var inside = outside
        inside.entityDeclarations[0].containerPath = ["data", "children", "child"]
        inside.entityDeclarations[0].isInRepeat = true
        #expect(EntityFormRules.problem(in: inside) == nil, "the same field saved on an entity of its own repeat is fine")
    }
}
