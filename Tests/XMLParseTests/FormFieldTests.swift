import Foundation
import Testing

@testable import XMLParse

@Suite struct FormFieldTests {
    @Test func aSelectMultipleAndAnUnboundLeafAreMarkedAsCentralMarksThem() throws {
        let xml = Data(
            """
            <h:html xmlns="http://www.w3.org/2002/xforms" xmlns:h="http://www.w3.org/1999/xhtml"><h:head><model>
            <instance><data id="f"><colours/><note/><meta><audit/><instanceID/></meta></data></instance>
            <bind nodeset="/data/colours" type="string"/><bind nodeset="/data/meta/audit" type="binary"/>
            <bind nodeset="/data/meta/instanceID" type="string"/></model></h:head>
            <h:body><select ref="/data/colours"><label>Colours</label></select></h:body></h:html>
            """.utf8)
        let fields = try XFormParser.fields(xml)
        #expect(fields.map(\.path) == ["/colours", "/note", "/meta", "/meta/audit", "/meta/instanceID"])
        #expect(fields.first { $0.name == "colours" }?.selectMultiple == true)
        #expect(fields.first { $0.name == "note" }?.type == "unknown")
        #expect(fields.first { $0.name == "audit" }?.binary == true)
        #expect(fields.filter(\.selectMultiple).count == 1)
    }
}
