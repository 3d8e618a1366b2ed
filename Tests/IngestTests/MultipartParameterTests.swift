import Testing

@testable import Ingest

@Suite struct MultipartParameterTests {
    @Test func parametersAreFoundWithOrWithoutQuotesSpacesOrCase() {
        let disposition = "form-data; NAME = \"xml_submission_file\";\tfilename=submission.xml ; empty=\"\""
        #expect(Multipart.parameter("name", in: disposition) == "xml_submission_file")
        #expect(Multipart.parameter("filename", in: disposition) == "submission.xml")
        #expect(Multipart.parameter("empty", in: disposition) == "")
        #expect(Multipart.parameter("boundary", in: disposition) == nil)
        #expect(Multipart.parameter("boundary", in: "multipart/form-data; boundary=----abc") == "----abc")
    }
}
