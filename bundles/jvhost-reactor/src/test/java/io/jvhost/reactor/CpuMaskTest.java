package io.jvhost.reactor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.BitSet;
import org.junit.jupiter.api.Test;

class CpuMaskTest {
    @Test
    void shouldParseHexAndListFormsAlike() {
        assertEquals(CpuMask.of(0, 1), CpuMask.parse("0x3"));
        assertEquals(CpuMask.of(0, 1), CpuMask.parse("[0,1]"));
        assertEquals(CpuMask.of(0, 1, 2, 3, 5), CpuMask.parse("0-3,5"));
        assertEquals(CpuMask.of(4, 8), CpuMask.parse("0x110"));
        assertEquals("0x110", CpuMask.of(4, 8).toString());
        assertEquals("0-3,5", CpuMask.parse("0x2f").toList());
    }

    @Test
    void shouldRejectMalformedMasksNamingTheText() {
        for (String bad : new String[] {"", "0x", "0xzz", "3-1", "a,b", "0x0", "-1"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CpuMask.parse(bad), bad);
            assertTrue(e.getMessage().contains("'" + bad + "'"), e.getMessage());
        }
    }

    @Test
    void shouldRejectCoresTheProcessMayNotUse() {
        BitSet two = new BitSet();
        two.set(0, 2);
        CpuMask.parse("0x3").requireWithin(two);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> CpuMask.parse("0x4").requireWithin(two));
        assertTrue(e.getMessage().contains("core 2") && e.getMessage().contains("0-1"), e.getMessage());
    }
}
