import Testing

@testable import SharewireWire

/// Constants of the frame header and frame types (docs/PROTOCOL.md §2, §3).
@Suite struct FrameHeaderTests {
    @Test func sizes() {
        #expect(FrameHeader.size == 10)
        #expect(FrameHeader.maxStreamID == 0x7FFF_FFFF)
        #expect(Preface.size == 8)
        #expect(Preface.magic == [0x53, 0x48, 0x57, 0x52, 0x0D, 0x0A])
        #expect(Preface.current == Preface(major: 1, minor: 0))
    }

    @Test func frameTypeCodes() {
        #expect(FrameType.allCases.map(\.rawValue) == Array(1...8))
        #expect(FrameType(rawValue: 0) == nil)
        #expect(FrameType(rawValue: 9) == nil)
    }

    @Test func connectionLevelTypes() {
        #expect(FrameType.allCases.filter(\.isConnectionLevel) == [.hello, .ping, .pong, .goAway])
        #expect(FrameType.allCases.filter { !$0.isConnectionLevel } == [.request, .message, .response, .cancel])
    }

    @Test func headerDefaults() {
        let header = FrameHeader(length: 3, type: .message, streamID: 5)
        #expect(header.flags == 0)
        #expect(header == FrameHeader(length: 3, type: .message, flags: 0, streamID: 5))
        #expect(header != FrameHeader(length: 3, type: .message, flags: 1, streamID: 5))
    }
}
