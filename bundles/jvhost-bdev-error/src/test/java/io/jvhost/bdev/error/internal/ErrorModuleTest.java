package io.jvhost.bdev.error.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jvhost.bdev.BdevIo;
import io.jvhost.bdev.IoChannel;
import io.jvhost.bdev.IoType;
import io.jvhost.bdev.OpenMode;
import io.jvhost.bdev.core.internal.BdevHarness;
import io.jvhost.bdev.core.internal.BdevHarness.TrackedIo;
import io.jvhost.bdev.core.internal.RamBackend;
import io.jvhost.config.Params;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ErrorModuleTest {
    private BdevHarness h;
    private RamBackend base;
    private ErrorModule m;
    private io.jvhost.bdev.BdevDescriptor user;
    private IoChannel ch;

    @BeforeEach
    void setUp() {
        h = new BdevHarness();
        base = RamBackend.register(h, "M0", 256, 512);
        m = new ErrorModule(h.registry);
        assertEquals("EE_M0", m.create(new Params("bdev_error_create", Map.of("base_name", "M0"))));
        user = h.open("EE_M0", OpenMode.WRITE_EXCLUSIVE);
        ch = user.channel(h.reactor);
    }

    @AfterEach
    void tearDown() {
        h.close();
    }

    private void inject(Object... kv) {
        Map<String, Object> p = new HashMap<>();
        p.put("name", "EE_M0");
        for (int i = 0; i < kv.length; i += 2) {
            p.put((String) kv[i], kv[i + 1]);
        }
        assertEquals(true, m.inject(new Params("bdev_error_inject_error", p)));
    }

    @Test
    void shouldFailTheNextNumRequestsOfTheTypeOnlyWithoutReachingTheBase() {
        MemorySegment buf = h.buffer(512);
        inject("io_type", "read", "error_type", "failure", "num", 2L);
        assertEquals(BdevIo.FAILED, h.run(ch, IoType.READ, 0, 1, buf).status);
        assertEquals(BdevIo.SUCCESS, h.run(ch, IoType.WRITE, 0, 1, buf).status);
        assertEquals(BdevIo.FAILED, h.run(ch, IoType.READ, 0, 1, buf).status);
        assertEquals(BdevIo.SUCCESS, h.run(ch, IoType.READ, 0, 1, buf).status);
        assertEquals(1, h.registry.find("M0").orElseThrow().stats().ops(IoType.READ));

        inject("io_type", "all", "error_type", "failure", "num", 100L);
        assertEquals(BdevIo.FAILED, h.run(ch, IoType.WRITE, 0, 1, buf).status);
        inject("io_type", "clear", "error_type", "failure");
        assertEquals(BdevIo.SUCCESS, h.run(ch, IoType.WRITE, 0, 1, buf).status);
    }

    @Test
    void shouldHoldPendingRequestsUntilAResetAbortsThem() {
        MemorySegment buf = h.buffer(512);
        inject("io_type", "write", "error_type", "pending", "num", 1L);
        TrackedIo held = h.submit(ch, IoType.WRITE, 3, 1, buf);
        for (int i = 0; i < 1000; i++) {
            h.reactor.step();
        }
        assertEquals(0, held.completions);
        assertEquals(1, ch.inFlight());
        assertEquals(BdevIo.SUCCESS, h.run(ch, IoType.RESET, 0, 0).status);
        assertEquals(1, held.completions);
        assertEquals(BdevIo.ABORTED, held.status);
    }

    @Test
    void shouldAbortHeldRequestsWhenTheBdevIsRemoved() throws Exception {
        inject("io_type", "read", "error_type", "pending", "num", 1L);
        TrackedIo held = h.submit(ch, IoType.READ, 0, 1, h.buffer(512));
        var removal = h.registry.unregister("EE_M0", true);
        h.stepUntil(() -> held.completions == 1);
        assertEquals(BdevIo.ABORTED, held.status);
        ch.close();
        user.close();
        h.stepUntil(removal::isDone);
        removal.get();
        h.open("M0", OpenMode.WRITE_EXCLUSIVE).close(); // the claim on the base went with it
    }

    @Test
    void shouldCorruptWrittenAndReadDataAtTheOffset() {
        MemorySegment buf = h.buffer(1024);
        buf.fill((byte) 0x10);
        inject("io_type", "write", "error_type", "corrupt_data", "corrupt_offset", 600L, "corrupt_value", 0xffL);
        assertEquals(BdevIo.SUCCESS, h.run(ch, IoType.WRITE, 4, 2, buf).status);
        assertEquals((byte) 0xef, base.data.get(ValueLayout.JAVA_BYTE, 4 * 512 + 600));
        assertEquals((byte) 0x10, base.data.get(ValueLayout.JAVA_BYTE, 4 * 512 + 599));

        MemorySegment back = h.buffer(1024);
        inject("io_type", "read", "error_type", "corrupt_data", "corrupt_offset", 1L, "corrupt_value", 1L);
        assertEquals(BdevIo.SUCCESS, h.run(ch, IoType.READ, 4, 2, back).status);
        assertEquals((byte) 0x11, back.get(ValueLayout.JAVA_BYTE, 1));
        assertEquals((byte) 0x10, base.data.get(ValueLayout.JAVA_BYTE, 4 * 512 + 1)); // the base holds it intact
        assertEquals(BdevIo.SUCCESS, h.run(ch, IoType.READ, 4, 2, back).status);
        assertEquals((byte) 0x10, back.get(ValueLayout.JAVA_BYTE, 1));
    }

    @Test
    void shouldRetryRequestsRefusedForMemory() {
        inject("io_type", "read", "error_type", "nomem", "num", 3L);
        assertEquals(BdevIo.SUCCESS, h.run(ch, IoType.READ, 0, 1, h.buffer(512)).status);
        assertEquals(1, h.registry.find("M0").orElseThrow().stats().ops(IoType.READ));
    }

    @Test
    void shouldFailWithTheNvmeStatusGiven() {
        MemorySegment buf = h.buffer(512);
        inject("io_type", "read", "error_type", "failure", "num", 1L, "sct", 2L, "sc", 0x81L);
        int status = h.run(ch, IoType.READ, 0, 1, buf).status;
        assertTrue(BdevIo.isNvmeError(status), BdevIo.statusName(status));
        assertEquals(0x281, BdevIo.nvmeStatus(status));
        assertEquals("NVMe status sct 2 sc 0x81", BdevIo.statusName(status));
        inject("io_type", "write", "error_type", "failure", "num", 1L, "sc", 6L);
        assertEquals(BdevIo.nvmeError(0, 6), h.run(ch, IoType.WRITE, 0, 1, buf).status, "sct defaults to generic");
        inject("io_type", "write", "error_type", "failure", "num", 1L);
        assertEquals(BdevIo.FAILED, h.run(ch, IoType.WRITE, 0, 1, buf).status, "without sc/sct: an I/O error");
        assertTrue(h.registry.find("EE_M0").orElseThrow().stats().errors() >= 3);
    }

    @Test
    void shouldStrikeOnlyWhenTheChannelHasQueueDepthRequestsAtTheBase() {
        inject("io_type", "read", "error_type", "failure", "num", 1L, "queue_depth", 2L);
        TrackedIo first = h.submit(ch, IoType.READ, 0, 1, h.buffer(512));
        TrackedIo second = h.submit(ch, IoType.READ, 1, 1, h.buffer(512));
        TrackedIo third = h.submit(ch, IoType.READ, 2, 1, h.buffer(512));
        h.stepUntil(() -> first.completions + second.completions + third.completions == 3);
        assertEquals(BdevIo.SUCCESS, first.status, "none at the base yet");
        assertEquals(BdevIo.SUCCESS, second.status, "one at the base");
        assertEquals(BdevIo.FAILED, third.status, "two at the base: the error strikes");
        assertEquals(BdevIo.SUCCESS, h.run(ch, IoType.READ, 0, 1, h.buffer(512)).status, "num was 1");
        assertEquals(2 + 1, h.registry.find("M0").orElseThrow().stats().ops(IoType.READ));
    }

    @Test
    void shouldRefuseUnknownTypesAndCorruptionWithoutValue() {
        assertThrows(IllegalArgumentException.class, () -> inject("io_type", "read", "error_type", "pending", "sct", 2L));
        assertThrows(io.jvhost.config.MethodException.class, () -> inject("io_type", "read", "error_type", "failure",
                "sct", 8L));
        assertThrows(IllegalArgumentException.class, () -> inject("io_type", "compare", "error_type", "failure"));
        assertThrows(IllegalArgumentException.class, () -> inject("io_type", "read", "error_type", "explode"));
        assertThrows(IllegalArgumentException.class, () -> inject("io_type", "read", "error_type", "corrupt_data"));
        assertThrows(io.jvhost.bdev.BdevException.class, () -> m.inject(new Params("bdev_error_inject_error",
                Map.of("name", "EE_nope", "io_type", "read", "error_type", "failure"))));
        assertTrue(h.registry.find("EE_M0").isPresent());
    }
}
