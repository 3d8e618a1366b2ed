import EntityScenarios
import Foundation
import Testing

@testable import XMLParse

@Suite struct XFormParserTests {
    @Test func registrationFormDeclaresCreateOfTreesWithItsSavetoFields() throws {
        let form = try XFormParser.parse(SampleFiles.form("trees_registration"))
        #expect(form.xmlFormId == "trees_registration")
        #expect(form.version == "1")
        #expect(form.title == "Tree registration")
        #expect(form.entitiesVersion == "2024.1.0")
        #expect(form.hasInstanceID)
        #expect(form.attachments.isEmpty)
        let entity = try #require(form.entityDeclarations.first)
        #expect(form.entityDeclarations.count == 1)
        #expect(entity.dataset == "trees")
        #expect(entity.allowsCreate && !entity.allowsUpdate)
        #expect(entity.containerPath == ["data"])
        #expect(!entity.isInRepeat)
        #expect(entity.properties.map(\.property) == ["species", "height", "circumference"])
        #expect(entity.properties.first?.path == ["data", "species"])
    }

    @Test func updateFormReadsTheTreesListAndDeclaresOnlyUpdate() throws {
        let form = try XFormParser.parse(SampleFiles.form("trees_update"))
        let entity = try #require(form.entityDeclarations.first)
        #expect(entity.allowsUpdate && !entity.allowsCreate)
        #expect(form.attachments == [FormAttachmentReference(name: "trees.csv", kind: .csv)])
        #expect(entity.properties.map(\.property) == ["height", "circumference"])
    }

    @Test func upsertFormDeclaresBothActions() throws {
        let entity = try #require(try XFormParser.parse(SampleFiles.form("trees_upsert")).entityDeclarations.first)
        #expect(entity.allowsCreate && entity.allowsUpdate)
    }

    @Test func repeatFormDeclaresOneEntityPerRepeatInstance() throws {
        let form = try XFormParser.parse(SampleFiles.form("households_repeat"))
        #expect(form.entitiesVersion == "2025.1.0")
        let entity = try #require(form.entityDeclarations.first)
        #expect(form.entityDeclarations.count == 1, "the repeat template and its first instance are one declaration")
        #expect(entity.dataset == "people")
        #expect(entity.containerPath == ["data", "members"])
        #expect(entity.isInRepeat)
        #expect(entity.properties.map(\.property) == ["full_name", "age"])
    }

    @Test func repeatMarkedOnlyInTheBodyStillMakesOneEntityPerInstance() throws {
        let xml = """
            <h:html xmlns="http://www.w3.org/2002/xforms" xmlns:h="http://www.w3.org/1999/xhtml" \
            xmlns:entities="http://www.opendatakit.org/xforms/entities">
            <h:head><model entities:entities-version="2024.1.0"><instance><data id="plots">
            <plot><name/><meta><entity dataset="plots" id="" create="1"><label/></entity></meta></plot>
            <meta><instanceID/></meta></data></instance>
            <bind nodeset="/data/plot/name" type="string" entities:saveto="name"/>
            </model></h:head>
            <h:body><repeat nodeset="/data/plot"><input ref="/data/plot/name"/></repeat></h:body></h:html>
            """
        let form = try XFormParser.parse(Data(xml.utf8))
        let entity = try #require(form.entityDeclarations.first)
        #expect(entity.containerPath == ["data", "plot"])
        #expect(entity.isInRepeat, "Central treats a body <repeat> as a repeat even without jr:template")
        #expect(entity.properties.map(\.property) == ["name"])
    }

    @Test func plainFormHasNoEntities() throws {
        let form = try XFormParser.parse(SampleFiles.form("site_photo"))
        #expect(form.entityDeclarations.isEmpty)
        #expect(form.entitiesVersion == nil)
        #expect(form.xmlFormId == "site_photo")
    }

    @Test func formWithoutTitleOrInstanceIDIsAccepted() throws {
        let xml = """
            <h:html xmlns="http://www.w3.org/2002/xforms" xmlns:h="http://www.w3.org/1999/xhtml">
            <h:head><model><instance><data id="bare"><q/></data></instance></model></h:head><h:body/></h:html>
            """
        let form = try XFormParser.parse(Data(xml.utf8))
        #expect(form.xmlFormId == "bare")
        #expect(form.title == nil)
        #expect(form.version == "")
        #expect(!form.hasInstanceID)
    }

    @Test func mediaReferencesInItextBecomeAttachments() throws {
        let xml = """
            <h:html xmlns="http://www.w3.org/2002/xforms" xmlns:h="http://www.w3.org/1999/xhtml">
            <h:head><model><itext><translation lang="en"><text id="q:label">
            <value form="image">jr://images/tree.png</value><value form="audio">jr://audio/hello.mp3</value>
            </text></translation></itext>
            <instance><data id="media"><q/></data></instance>
            <instance id="extra" src="jr://file/extra.xml"/></model></h:head><h:body/></h:html>
            """
        let form = try XFormParser.parse(Data(xml.utf8))
        #expect(form.attachments.map(\.name) == ["extra.xml", "tree.png", "hello.mp3"])
        #expect(form.attachments.map(\.centralType) == ["file", "image", "audio"])
    }

    @Test func malformedFormIsNotWellFormed() {
        #expect(throws: XMLParseError.self) { try XFormParser.parse(Data("<h:html><h:head>".utf8)) }
    }

    @Test func formWithoutIdIsRefused() {
        let xml = #"<h:html xmlns:h="http://www.w3.org/1999/xhtml"><h:head><model><instance><data/></instance></model></h:head></h:html>"#
        #expect(throws: XMLParseError.missingFormId) { try XFormParser.parse(Data(xml.utf8)) }
    }

    @Test func formWithDoctypeIsRefusedBeforeParsing() {
        let xml = """
            <?xml version="1.0"?>
            <!DOCTYPE h:html [<!ENTITY x SYSTEM "file:///etc/passwd">]>
            <h:html xmlns:h="http://www.w3.org/1999/xhtml"><h:head><model><instance><data id="x">&x;</data></instance></model></h:head></h:html>
            """
        #expect(throws: XMLParseError.doctypeForbidden) { try XFormParser.parse(Data(xml.utf8)) }
    }
}
