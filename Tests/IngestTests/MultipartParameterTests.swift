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

    @Test func edgesOfTheHeaderAreReadAsTheyAre() {
        #expect(Multipart.parameter("name", in: "form-data") == nil)
        #expect(Multipart.parameter("name", in: "form-data;") == nil)
        #expect(Multipart.parameter("name", in: "form-data; name=") == "")
        #expect(Multipart.parameter("name", in: "form-data; name=\"") == "\"", "a lone quote is not a quoted value")
        #expect(Multipart.parameter("filename", in: "form-data; name=\"a\"; filename=\"árbol 🌳.jpg\"") == "árbol 🌳.jpg")
        #expect(Multipart.parameter("name", in: "form-data; filename=x; name=second") == "second")
        #expect(Multipart.parameter("nam", in: "form-data; name=x") == nil)
    }
}

@Suite struct OpenRosaEscapeTests {
    @Test func markupCharactersAreEscapedAndPlainTextIsLeftAsItIs() {
        #expect(OpenRosa.escape(#"a<b & "c" > 'd'"#) == "a&lt;b &amp; &quot;c&quot; &gt; &#39;d&#39;")
        #expect(OpenRosa.escape("Árbol 🌳 plain") == "Árbol 🌳 plain")
    }
}
