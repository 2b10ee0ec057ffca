import CNcursesw
import Testing

/// The ncurses system library links and its wide-character API is reachable through the shim: what the
/// terminal backend will stand on.
@Suite struct CNcurseswLinkTests {
    @Test func linksAgainstNcursesSix() throws {
        let version = try #require(curses_version())
        #expect(String(cString: version).hasPrefix("ncurses 6."))
    }

    @Test func shimExposesAttributeBits() {
        #expect(rw_a_bold() != 0)
        #expect(rw_a_reverse() != rw_a_bold())
        #expect(rw_a_dim() != 0)
    }
}
