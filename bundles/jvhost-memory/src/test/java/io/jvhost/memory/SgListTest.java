package io.jvhost.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import org.junit.jupiter.api.Test;

class SgListTest {
    private final MemorySegment a = Arena.ofAuto().allocate(4096);
    private final MemorySegment b = Arena.ofAuto().allocate(4096);

    @Test
    void shouldNarrowInPlaceToTheBytesBetweenAHeaderAndAStatusByte() {
        SgList l = new SgList(4);
        l.add(a, 100, 16, false); // header
        l.add(a, 512, 1024, true);
        l.add(b, 0, 2048, true);
        l.add(b, 3000, 1, true); // status
        l.narrow(16, 3072);
        assertEquals(2, l.count());
        assertEquals(3072, l.totalBytes());
        assertEquals(512, l.offset(0));
        assertEquals(1024, l.length(0));
        assertEquals(2048, l.length(1));
        assertTrue(l.isWritable(0));
    }

    @Test
    void shouldNarrowInsideAPieceWhenHeaderAndDataShareOne() {
        SgList l = new SgList(2);
        l.add(a, 0, 16 + 4096, false);
        l.add(b, 8, 1, true);
        l.narrow(16, 4096);
        assertEquals(1, l.count());
        assertEquals(16, l.offset(0));
        assertEquals(4096, l.length(0));
    }

    @Test
    void shouldRefuseANarrowingBeyondItsBytes() {
        SgList l = new SgList(1);
        l.add(a, 0, 10);
        assertThrows(IllegalArgumentException.class, () -> l.narrow(5, 6));
    }

    @Test
    void shouldSplitAGuestRangeAtRegionBoundariesAndRefuseWhatIsOutside() {
        GuestMemory m = GuestMemory.wrap(List.of(new MemoryRegion(0x1000, 4096, 0x7000_1000L, 0),
                new MemoryRegion(0x2000, 4096, 0x7000_2000L, 0)), List.of(a, b));
        SgList l = new SgList(4);
        assertEquals(SgList.ADDED, l.addGuest(m, 0x1F00, 0x200, true));
        assertEquals(2, l.count());
        assertEquals(0xF00, l.offset(0));
        assertEquals(0x100, l.length(0));
        assertEquals(0, l.offset(1));
        assertEquals(SgList.NOT_IN_MEMORY, l.addGuest(m, 0x2F00, 0x200, true), "runs past the last region");
        SgList small = new SgList(1);
        assertEquals(SgList.FULL, small.addGuest(m, 0x1F00, 0x200, false));
    }

    @Test
    void shouldReadLittleEndianValuesSplitAcrossPieces() {
        a.set(ValueLayout.JAVA_BYTE, 14, (byte) 0x11);
        a.set(ValueLayout.JAVA_BYTE, 15, (byte) 0x22);
        b.set(ValueLayout.JAVA_BYTE, 0, (byte) 0x33);
        b.set(ValueLayout.JAVA_BYTE, 1, (byte) 0x44);
        SgList l = new SgList(2);
        l.add(a, 12, 4);
        l.add(b, 0, 8);
        assertEquals(0x44332211L, l.readLE(2, 4));
        assertEquals(0x2211, l.readLE(2, 2));
    }

    @Test
    void shouldDropEveryReferenceOnClear() {
        SgList l = new SgList(2);
        l.add(a, 0, 1);
        l.add(b, 0, 1);
        l.clear();
        assertEquals(0, l.count());
        assertEquals(0, l.totalBytes());
        assertTrue(l.add(a, 0, 1));
        assertFalse(l.isFull());
    }
}
