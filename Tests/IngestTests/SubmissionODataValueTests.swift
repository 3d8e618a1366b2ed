import Entities
import Testing

@testable import Ingest

/// How a value's text becomes JSON in Central's feed (JavaScript's parseInt and parseFloat, GeoJSON or WKT).
@Suite struct SubmissionODataValueTests {
    let rows = SubmissionODataRows(schema: SubmissionODataSchema(fields: [], xmlFormId: "x"), expand: false, wkt: false, table: nil)
    let wktRows = SubmissionODataRows(schema: SubmissionODataSchema(fields: [], xmlFormId: "x"), expand: false, wkt: true, table: nil)

    @Test func numbersAreReadAsJavaScriptReadsThem() {
        #expect(rows.value("12abc", type: "int") == .int(12))
        #expect(rows.value(" -7", type: "int") == .int(-7))
        #expect(rows.value("abc", type: "int") == .null)
        #expect(rows.value("", type: "int") == .null)
        #expect(rows.value("3.25", type: "decimal") == .double(3.25))
        #expect(rows.value(".5", type: "decimal") == .double(0.5))
        #expect(rows.value("1e3x", type: "decimal") == .double(1000))
        #expect(rows.value("2e", type: "decimal") == .double(2))
        #expect(rows.value("-", type: "decimal") == .null)
    }

    @Test func placesAreGeoJSONOrWKT() {
        #expect(
            rows.value("4.8 15.16 23.42 108", type: "geopoint")
                == ["type": "Point", "coordinates": [15.16, 4.8, 23.42], "properties": ["accuracy": 108.0]])
        #expect(wktRows.value("4.8 15.16 23.42 108", type: "geopoint") == "POINT (15.16 4.8 23.42)")
        #expect(rows.value(" 4.8 15.16", type: "geopoint") == .null)
        #expect(
            rows.value("1.1 2.2 3.3 4.4;5.5 6.6 7.7 8.8;", type: "geotrace")
                == [
                    "type": "LineString", "coordinates": [[2.2, 1.1, 3.3], [6.6, 5.5, 7.7]], "properties": ["accuracies": [4.4, 8.8]],
                ])
        #expect(wktRows.value("1.1 2.2 3.3 4.4; 5.5 6.6 7.7 8.8", type: "geotrace") == "LINESTRING (2.2 1.1 3.3,6.6 5.5 7.7)")
    }

    @Test func aShortOffsetIsCompletedAndOtherTextIsKeptAsSent() {
        #expect(rows.value(" 2019-01-01T00:00:00.000-08 ", type: "dateTime") == "2019-01-01T00:00:00.000-08:00")
        #expect(rows.value("2019-01-01T00:00:00.000Z", type: "dateTime") == "2019-01-01T00:00:00.000Z")
        #expect(rows.value(" b c", type: "string") == " b c")
    }
}
