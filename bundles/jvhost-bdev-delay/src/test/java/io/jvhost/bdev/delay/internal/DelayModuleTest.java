package io.jvhost.bdev.delay.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jvhost.bdev.BdevIo;
import io.jvhost.bdev.IoChannel;
import io.jvhost.bdev.IoType;
import io.jvhost.bdev.OpenMode;
import io.jvhost.bdev.core.internal.BdevHarness;
import io.jvhost.bdev.core.internal.RamBackend;
import io.jvhost.config.Params;
import java.lang.foreign.MemorySegment;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Latencies are lower bounds the reactor keeps without sleeping; the upper bounds are loose (shared CI). */
class DelayModuleTest {
    private static Params create(long avgRead, long p99Read, long avgWrite, long p99Write) {
        return new Params("bdev_delay_create", Map.of("base_bdev_name", "M0", "name", "D0", "avg_read_latency", avgRead,
                "p99_read_latency", p99Read, "avg_write_latency", avgWrite, "p99_write_latency", p99Write));
    }

    private static long micros(BdevHarness h, IoChannel ch, IoType type, MemorySegment buf) {
        long t0 = System.nanoTime();
        assertEquals(BdevIo.SUCCESS, h.run(ch, type, 0, 1, buf).status);
        return (System.nanoTime() - t0) / 1000;
    }

    @Test
    void shouldAddTheAverageLatencyAndTheP99ToOneRequestInAHundred() {
        try (BdevHarness h = new BdevHarness()) {
            RamBackend.register(h, "M0", 64, 512);
            DelayModule m = new DelayModule(h.registry);
            m.create(create(1000, 20_000, 0, 0));
            IoChannel ch = h.open("D0", OpenMode.WRITE_EXCLUSIVE).channel(h.reactor);
            MemorySegment buf = h.buffer(512);
            int slow = 0;
            for (int i = 1; i <= 100; i++) {
                long us = micros(h, ch, IoType.READ, buf);
                assertTrue(us >= 1000, "read " + i + " took " + us + " us, less than the average latency");
                if (us >= 20_000) {
                    slow++;
                    assertEquals(100, i, "the p99 latency is every 100th read");
                }
            }
            assertEquals(1, slow);
            assertTrue(micros(h, ch, IoType.WRITE, buf) < 1000, "writes have no latency configured");
            assertEquals(Map.of("delay", Map.of("name", "D0", "base_bdev_name", "M0", "avg_read_latency", 1000L,
                    "p99_read_latency", 20_000L, "avg_write_latency", 0L, "p99_write_latency", 0L)),
                    h.registry.find("D0").orElseThrow().driverSpecific());
        }
    }

    @Test
    void shouldApplyALatencyUpdateToRequestsAfterIt() {
        try (BdevHarness h = new BdevHarness()) {
            RamBackend.register(h, "M0", 64, 512);
            DelayModule m = new DelayModule(h.registry);
            m.create(create(0, 0, 0, 0));
            IoChannel ch = h.open("D0", OpenMode.WRITE_EXCLUSIVE).channel(h.reactor);
            MemorySegment buf = h.buffer(512);
            m.update(new Params("bdev_delay_update_latency", Map.of("delay_bdev_name", "D0", "latency_type", "p99_write",
                    "latency_us", 3000L)));
            m.update(new Params("bdev_delay_update_latency", Map.of("delay_bdev_name", "D0", "latency_type", "avg_write",
                    "latency_us", 3000L)));
            long us = micros(h, ch, IoType.WRITE, buf);
            assertTrue(us >= 3000 && us < 3_000_000, "write took " + us + " us");
            // a p99 below its average, or an unknown type, is refused and changes nothing
            assertThrows(IllegalArgumentException.class, () -> m.update(new Params("bdev_delay_update_latency",
                    Map.of("delay_bdev_name", "D0", "latency_type", "p99_write", "latency_us", 10L))));
            assertThrows(IllegalArgumentException.class, () -> m.update(new Params("bdev_delay_update_latency",
                    Map.of("delay_bdev_name", "D0", "latency_type", "median_write", "latency_us", 10L))));
            assertEquals(3000L, ((Map<?, ?>) h.registry.find("D0").orElseThrow().driverSpecific().get("delay"))
                    .get("p99_write_latency"));
        }
    }

    @Test
    void shouldRefuseAP99BelowTheAverageAtCreation() {
        try (BdevHarness h = new BdevHarness()) {
            RamBackend.register(h, "M0", 64, 512);
            DelayModule m = new DelayModule(h.registry);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> m.create(create(100, 50, 0, 0)));
            assertTrue(e.getMessage().contains("p99_read_latency 50 us is below avg_read_latency 100 us"), e.getMessage());
            h.open("M0", OpenMode.WRITE_EXCLUSIVE).close();
        }
    }
}
