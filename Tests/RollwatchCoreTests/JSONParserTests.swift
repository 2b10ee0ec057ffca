import Foundation
import RollwatchCore
import Testing

/// The JSON reader: what it accepts, and where and how it reports what it does not.
@Suite struct JSONParserTests {
    @Test func parsesEveryKindOfValueAndKeepsMemberOrder() throws {
        let value = try JSONParser.parse(#"{"z": [1, -2.5e3, 0.85, true, false, null], "a": {"s": "x\"y\\\/\n\u00e9\ud83d\ude80"}}"#)
        let object = try #require(value.objectValue)
        #expect(object.keys == ["z", "a"])
        #expect(object["z"] == [1, -2500.0, 0.85, true, false, nil])
        #expect(object["a"]?.objectValue?["s"] == .string("x\"y\\/\né🚀"))
    }

    @Test func numbersKeepTheirLiteralAndKnowWholeNumbers() throws {
        let value = try JSONParser.parse("[3, 3.0, 3e0, 2.5, -0, 12345678901234567890]")
        let numbers = try #require(value.arrayValue).compactMap { element -> JSONNumber? in
            if case .number(let number) = element { return number }
            return nil
        }
        #expect(numbers.map(\.literal) == ["3", "3.0", "3e0", "2.5", "-0", "12345678901234567890"])
        #expect(numbers.map(\.integerValue) == [3, 3, 3, nil, 0, nil])
    }

    @Test func writerRoundTripsCompactAndPretty() throws {
        let text = #"{"id":"/web","labels":{"a":"tab\there"},"list":[1,2.50,{"nested":[]}],"empty":{}}"#
        let value = try JSONParser.parse(text)
        #expect(JSONWriter.compact(value) == text)
        #expect(try JSONParser.parse(JSONWriter.pretty(value)) == value)
        #expect(JSONWriter.pretty(["a": [1, 2]]) == "{\n  \"a\": [\n    1,\n    2\n  ]\n}")
    }

    /// Malformed input: the line and column of the first problem, and what was expected there.
    @Test(arguments: [
        ("{\"id\": \"/web\",\n  \"instances\": 3,\n}", 3, 1, "expected a member name in double quotes after ',', found '}' (a trailing comma is not allowed in JSON)"),
        ("{\"id\": \"/web\"\n \"cmd\": \"x\"}", 2, 2, "expected ',' or '}' after the value of \"id\", found '\"'"),
        ("{\"instances\": 03}", 1, 15, "a number may not start with 0 followed by more digits ('03')"),
        ("{\"ok\": True}", 1, 8, "expected a value (an object, array, string, number, true, false or null), found 'True'"),
        ("{'id': 1}", 1, 2, "expected a member name in double quotes, found '''"),
        ("{\"a\": \"x\ty\"}", 1, 9, "control character U+0009 inside a string; write it as an escape such as \\n or \\u0009"),
        ("{\"a\": \"\\q\"}", 1, 9, "invalid escape \\q in a string; valid escapes are \\\" \\\\ \\/ \\b \\f \\n \\r \\t and \\uXXXX"),
        ("{\"a\": \"\\ud800\"}", 1, 8, "\\uD800 is a high surrogate without the low surrogate that must follow it"),
        ("{\"a\": [1, 2}", 1, 12, "expected ',' or ']' after an array element, found '}'"),
        ("{\"a\": 1} {", 1, 10, "unexpected '{' after the end of the JSON value"),
        ("{\"a\": \"open", 1, 7, "this string is not closed: the file ends before its closing '\"'"),
        ("", 1, 1, "unexpected end of file; expected a value (an object, array, string, number, true, false or null)"),
        ("{\"a\": 1e999}", 1, 7, "the number 1e999 is too large"),
        ("{\"a\": -}", 1, 8, "expected a digit after '-', found '}'"),
        ("{\"a\": 1.}", 1, 9, "expected a digit after the decimal point, found '}'"),
        ("{\"é\": x}", 1, 7, "expected a value (an object, array, string, number, true, false or null), found 'x'"),
    ])
    func malformedInputReportsLineColumnAndExpectation(_ text: String, _ line: Int, _ column: Int, _ message: String) {
        #expect(throws: JSONSyntaxError.self) { try JSONParser.parse(text) }
        do {
            _ = try JSONParser.parse(text)
        } catch {
            #expect(error.line == line)
            #expect(error.column == column)
            #expect(error.message == message)
        }
    }

    @Test func invalidUTF8IsReportedAtItsByte() {
        let bytes: [UInt8] = Array("{\"a\": \"".utf8) + [0xC3, 0x28] + Array("\"}".utf8)
        #expect(throws: JSONSyntaxError(offset: 7, line: 1, column: 8, message: "invalid UTF-8 byte 0xC3; a JSON file must be UTF-8")) {
            try JSONParser.parse(bytes)
        }
    }

    @Test func deepNestingIsAnErrorNotACrash() {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(throws: JSONSyntaxError.self) { try JSONParser.parse(deep) }
        let fine = String(repeating: "[", count: 500) + String(repeating: "]", count: 500)
        #expect(throws: Never.self) { try JSONParser.parse(fine) }
    }

    @Test func byteOrderMarkIsSkipped() throws {
        #expect(try JSONParser.parse([0xEF, 0xBB, 0xBF] + Array("{}".utf8)) == .object(JSONObject()))
    }

    @Test func pathsRenderAsMarathonRendersThem() {
        #expect(JSONPath.root.description == "/")
        #expect(JSONPath().appending("healthChecks").appending(0).appending("portIndex").description == "/healthChecks(0)/portIndex")
        #expect(JSONPath().appending("groups").appending(1).appending("apps").appending(0).description == "/groups(1)/apps(0)")
    }
}
