import Testing
@testable import SharewireWire

@Suite struct FrameHeaderTests {
    @Test func connectionLevelTypes() {
        #expect(FrameType.hello.isConnectionLevel)
        #expect(!FrameType.request.isConnectionLevel)
    }
}
