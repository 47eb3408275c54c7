import PushCodec
import Testing

@Suite struct SharedBytesTests {
    @Test func joining_putsThePartsBackToBack() {
        let parts = [SharedBytes([1, 2, 3]), SharedBytes([]), SharedBytes([4]), SharedBytes([5, 6])]
        let joined = SharedBytes(joining: parts)
        #expect(joined.count == 6)
        #expect(joined.array == [1, 2, 3, 4, 5, 6])
    }

    @Test func joining_nothing_isEmpty() {
        #expect(SharedBytes(joining: []).count == 0)
    }
}
