import EntityScenarios
import Foundation
import Testing

@testable import XMLParse

@Suite struct SubmissionParserTests {
    func declarations(_ form: String) throws -> [EntityDeclaration] {
        try XFormParser.parse(SampleFiles.form(form)).entityDeclarations
    }

    @Test func registrationCarriesOneCreateBlockWithLabelAndProperties() throws {
        let xml = try SampleFiles.submission("trees_registration", "reg-1-oak")
        #expect(try SubmissionParser.header(xml) == SubmissionHeader(xmlFormId: "trees_registration", version: "1"))
        let parsed = try SubmissionParser.parse(xml, declarations: declarations("trees_registration"))
        #expect(parsed.instanceId.hasPrefix("uuid:"))
        #expect(parsed.deprecatedId == nil)
        let block = try #require(parsed.entityBlocks.first)
        #expect(parsed.entityBlocks.count == 1)
        #expect(block.dataset == "trees")
        #expect(block.wantsCreate && !block.wantsUpdate)
        #expect(block.id == "e7000000-0000-4000-8000-000000000001")
        #expect(block.label?.isEmpty == false)
        #expect(block.properties.map(\.name) == ["species", "height", "circumference"])
    }

    @Test func offlineUpdateCarriesBranchAttributes() throws {
        let xml = try SampleFiles.submission("trees_update", "update-2")
        let block = try #require(try SubmissionParser.parse(xml, declarations: declarations("trees_update")).entityBlocks.first)
        #expect(block.wantsUpdate && !block.wantsCreate)
        #expect(block.baseVersion == "2")
        #expect(block.trunkVersion == "1")
        #expect(block.branchId == "b7a0c0de-0000-4000-8000-000000000001")
        #expect(block.label == "Quercus robur 101 (gate oak)")
        #expect(block.properties.map(\.name) == ["height", "circumference"])
    }

    @Test func upsertReadsTrueAndFalseAsCollectWritesThem() throws {
        let created = try SubmissionParser.parse(
            SampleFiles.submission("trees_upsert", "upsert-create"), declarations: declarations("trees_upsert"))
        let updated = try SubmissionParser.parse(
            SampleFiles.submission("trees_upsert", "upsert-update"), declarations: declarations("trees_upsert"))
        #expect(created.entityBlocks.first?.wantsCreate == true)
        #expect(created.entityBlocks.first?.wantsUpdate == false)
        #expect(updated.entityBlocks.first?.wantsUpdate == true)
        #expect(updated.entityBlocks.first?.wantsCreate == false)
    }

    @Test func repeatMakesOneBlockPerMemberWithItsOwnValues() throws {
        let parsed = try SubmissionParser.parse(
            SampleFiles.submission("households_repeat", "household-1"), declarations: declarations("households_repeat"))
        #expect(parsed.entityBlocks.count == 3)
        #expect(parsed.entityBlocks.map(\.id) == (1...3).map { "9e000000-0000-4000-8000-00000000000\($0)" })
        for block in parsed.entityBlocks {
            #expect(block.properties.map(\.name) == ["full_name", "age"])
            #expect(block.label == block.properties.first?.value)
        }
        #expect(Set(parsed.entityBlocks.compactMap(\.label)).count == 3)
    }

    @Test func plainSubmissionHasNoEntityBlocks() throws {
        let parsed = try SubmissionParser.parse(SampleFiles.submission("site_photo", "site-1"), declarations: [])
        #expect(parsed.entityBlocks.isEmpty)
        #expect(parsed.header.xmlFormId == "site_photo")
    }

    @Test func editedSubmissionNamesTheVersionItReplaces() throws {
        let original = try SubmissionParser.parse(SampleFiles.submission("trees_registration", "reg-1-oak"), declarations: [])
        let edited = try SubmissionParser.parse(SampleFiles.submission("trees_registration", "reg-1-oak-edited"), declarations: [])
        #expect(edited.deprecatedId == original.instanceId)
        #expect(edited.instanceId != original.instanceId)
    }

    @Test func undeclaredNamespacePrefixIsReadLeniently() throws {
        let xml = """
            <data id="f" version="2"><orx:meta><orx:instanceID>uuid:abc</orx:instanceID><orx:instanceName>n</orx:instanceName></orx:meta></data>
            """
        let parsed = try SubmissionParser.parse(Data(xml.utf8), declarations: [])
        #expect(parsed.instanceId == "uuid:abc")
        #expect(parsed.instanceName == "n")
        #expect(parsed.header.version == "2")
    }

    @Test func instanceIDsLoseSurroundingWhiteSpaceAndBlankOnesCountAsMissing() throws {
        let xml = "<data id=\"f\"><meta><instanceID>\n\t uuid:abc \r\n</instanceID><instanceName>  </instanceName></meta></data>"
        let parsed = try SubmissionParser.parse(Data(xml.utf8), declarations: [])
        #expect(parsed.instanceId == "uuid:abc")
        #expect(parsed.instanceName == nil)
        let blank = #"<data id="f"><meta><instanceID> </instanceID></meta></data>"#
        #expect(throws: XMLParseError.missingInstanceID) { try SubmissionParser.parse(Data(blank.utf8), declarations: []) }
    }

    @Test func missingInstanceIDIsRefused() {
        let xml = #"<data id="f"><meta/></data>"#
        #expect(throws: XMLParseError.missingInstanceID) { try SubmissionParser.parse(Data(xml.utf8), declarations: []) }
    }

    @Test func rootWithoutFormIdIsRefused() {
        #expect(throws: XMLParseError.missingSubmissionFormId) { try SubmissionParser.header(Data("<data/>".utf8)) }
    }

    @Test func malformedSubmissionIsNotWellFormed() {
        let xml = #"<data id="f"><meta><instanceID>uuid:1</instanceID></meta>"#
        #expect {
            try SubmissionParser.parse(Data(xml.utf8), declarations: [])
        } throws: { error in
            if case XMLParseError.notWellFormed = error { return true }
            return false
        }
    }

    @Test func externalEntityIsRefusedAndNeverRead() {
        let xml = """
            <?xml version="1.0"?>
            <!DOCTYPE data [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
            <data id="f"><meta><instanceID>&secret;</instanceID></meta></data>
            """
        #expect(throws: XMLParseError.doctypeForbidden) { try SubmissionParser.parse(Data(xml.utf8), declarations: []) }
    }

    @Test func billionLaughsIsRefusedWithoutExpansion() {
        var entities = #"<!ENTITY lol0 "lol">"#
        for level in 1...9 {
            entities += "<!ENTITY lol\(level) \"" + String(repeating: "&lol\(level - 1);", count: 10) + "\">"
        }
        let xml = "<!DOCTYPE data [\(entities)]><data id=\"f\"><meta><instanceID>&lol9;</instanceID></meta></data>"
        #expect(throws: XMLParseError.doctypeForbidden) { try SubmissionParser.parse(Data(xml.utf8), declarations: []) }
    }

    @Test func commentsAndDeclarationBeforeRootAreNotMistakenForDoctype() throws {
        let xml = """
            \u{FEFF}<?xml version="1.0"?>
            <!-- from Collect -->
            <data id="f"><meta><instanceID>uuid:1</instanceID></meta></data>
            """
        #expect(try SubmissionParser.parse(Data(xml.utf8), declarations: []).instanceId == "uuid:1")
    }
}
