package io.jvhost.bdev.split.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jvhost.bdev.BdevException;
import io.jvhost.bdev.BdevIo;
import io.jvhost.bdev.IoChannel;
import io.jvhost.bdev.IoType;
import io.jvhost.bdev.OpenMode;
import io.jvhost.bdev.core.internal.BdevHarness;
import io.jvhost.bdev.core.internal.RamBackend;
import io.jvhost.config.Params;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SplitModuleTest {
    private static Params split(String base, long count) {
        return new Params("bdev_split_create", Map.of("base_bdev", base, "split_count", count));
    }

    @Test
    void shouldMapEachSplitOntoItsPartOfTheBase() {
        try (BdevHarness h = new BdevHarness()) {
            RamBackend base = RamBackend.register(h, "M0", 1024, 512);
            SplitModule m = new SplitModule(h.registry);
            assertEquals(List.of("M0p0", "M0p1", "M0p2", "M0p3"), m.create(split("M0", 4)));
            var p2 = h.registry.find("M0p2").orElseThrow();
            assertEquals(256, p2.blockCount());
            assertEquals(Map.of("split", Map.of("base_bdev", "M0", "offset_blocks", 512L)), p2.driverSpecific());

            IoChannel ch = h.open("M0p2", OpenMode.WRITE_EXCLUSIVE).channel(h.reactor);
            MemorySegment a = h.buffer(512);
            a.fill((byte) 7);
            assertEquals(BdevIo.SUCCESS, h.run(ch, IoType.WRITE, 255, 1, a).status); // the split's last block
            assertEquals(7, base.data.get(ValueLayout.JAVA_BYTE, (512 + 255) * 512L));
            assertEquals(0, base.data.get(ValueLayout.JAVA_BYTE, 768 * 512L)); // M0p3's first block untouched
            assertEquals(BdevIo.INVALID, h.run(ch, IoType.WRITE, 256, 1, a).status); // past the split's end
            MemorySegment back = h.buffer(512);
            IoChannel p3 = h.open("M0p3", OpenMode.READ_ONLY).channel(h.reactor);
            assertEquals(BdevIo.SUCCESS, h.run(p3, IoType.READ, 0, 1, back).status);
            assertEquals(0, back.get(ValueLayout.JAVA_BYTE, 0));
        }
    }

    @Test
    void shouldRefuseSplitsThatDoNotFitAndLeaveNothingBehind() {
        try (BdevHarness h = new BdevHarness()) {
            RamBackend.register(h, "M0", 1000, 512); // 1000 blocks: not a multiple of 3
            SplitModule m = new SplitModule(h.registry);
            BdevException odd = assertThrows(BdevException.class, () -> m.create(split("M0", 3)));
            assertTrue(odd.getMessage().contains("do not divide into 3"), odd.getMessage());
            BdevException big = assertThrows(BdevException.class, () -> m.create(new Params("bdev_split_create",
                    Map.of("base_bdev", "M0", "split_count", 2L, "split_size_mb", 1L))));
            assertTrue(big.getMessage().contains("less than 2 splits of 1 MiB"), big.getMessage());
            assertEquals(List.of("M0"), h.registry.list().stream().map(b -> b.name()).toList());
            h.open("M0", OpenMode.WRITE_EXCLUSIVE).close(); // no claim left
            assertThrows(io.jvhost.config.MethodException.class, () -> m.create(split("M0", 0)));
        }
    }

    @Test
    void shouldGiveEqualPartsOfSplitSizeAndDeleteThemTogether() {
        try (BdevHarness h = new BdevHarness()) {
            RamBackend.register(h, "M0", 16384, 512); // 8 MiB
            SplitModule m = new SplitModule(h.registry);
            m.create(new Params("bdev_split_create", Map.of("base_bdev", "M0", "split_count", 3L, "split_size_mb", 2L)));
            assertEquals(4096, h.registry.find("M0p2").orElseThrow().blockCount());
            assertThrows(BdevException.class, () -> m.create(split("M0", 2)));
            assertThrows(BdevException.class, () -> h.open("M0", OpenMode.WRITE_SHARED));
            assertEquals(true, m.delete(new Params("bdev_split_delete", Map.of("base_bdev", "M0"))));
            assertFalse(h.registry.find("M0p0").isPresent());
            h.open("M0", OpenMode.WRITE_EXCLUSIVE).close();
            assertThrows(BdevException.class, () -> m.delete(new Params("bdev_split_delete", Map.of("base_bdev", "M0"))));
            assertEquals(List.of("M0p0", "M0p1"), m.create(split("M0", 2)));
        }
    }
}
