package io.jvhost.bdev.malloc.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.jvhost.bdev.BdevIo;
import io.jvhost.bdev.IoChannel;
import io.jvhost.bdev.IoType;
import io.jvhost.bdev.OpenMode;
import io.jvhost.bdev.core.internal.BdevHarness;
import io.jvhost.bdev.spi.BdevSpec;
import java.lang.foreign.MemorySegment;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MallocBackendTest {
    @Test
    void shouldStoreScatteredWritesAndZeroUnmappedRanges() {
        try (BdevHarness h = new BdevHarness()) {
            long blocks = 4096;
            h.registry.register(new BdevSpec("M0", null, "malloc", "Malloc disk", 512, blocks, 0,
                    MallocModule.IO_TYPES, Map.of()), new MallocBackend(blocks * 512, 512));
            IoChannel ch = h.open("M0", OpenMode.WRITE_EXCLUSIVE).channel(h.reactor);
            MemorySegment a = h.buffer(512);
            MemorySegment b = h.buffer(3 * 512);
            a.fill((byte) 0x11);
            b.fill((byte) 0x22);
            assertEquals(BdevIo.SUCCESS, h.run(ch, IoType.WRITE, 7, 4, a, b).status);
            MemorySegment back = h.buffer(4 * 512);
            assertEquals(BdevIo.SUCCESS, h.run(ch, IoType.READ, 7, 4, back).status);
            assertEquals(-1, back.asSlice(0, 512).mismatch(a));
            assertEquals(-1, back.asSlice(512, 1536).mismatch(b));

            // a page-spanning write, then zero a range that covers whole pages and partial ones
            MemorySegment big = h.buffer(64 * 512);
            big.fill((byte) 0x33);
            assertEquals(BdevIo.SUCCESS, h.run(ch, IoType.WRITE, 100, 64, big).status);
            assertEquals(BdevIo.SUCCESS, h.run(ch, IoType.WRITE_ZEROES, 101, 40).status);
            MemorySegment check = h.buffer(64 * 512);
            assertEquals(BdevIo.SUCCESS, h.run(ch, IoType.READ, 100, 64, check).status);
            for (int blk = 0; blk < 64; blk++) {
                byte expected = blk >= 1 && blk < 41 ? 0 : (byte) 0x33;
                for (int i = 0; i < 512; i += 64) {
                    assertEquals(expected, check.get(java.lang.foreign.ValueLayout.JAVA_BYTE, blk * 512L + i),
                            "block " + (100 + blk));
                }
            }
        }
    }
}
