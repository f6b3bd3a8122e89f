package io.jvhost.bdev.passthru.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jvhost.bdev.BdevDescriptor;
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
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class PassthruModuleTest {
    private static Params params(String base, String name) {
        return new Params("bdev_passthru_create", Map.of("base_bdev_name", base, "name", name));
    }

    @Test
    void shouldForwardRequestsToTheBaseInPlace() {
        try (BdevHarness h = new BdevHarness()) {
            RamBackend base = RamBackend.register(h, "M0", 1024, 512);
            PassthruModule m = new PassthruModule(h.registry);
            assertEquals("PT0", m.create(params("M0", "PT0")));
            var pt = h.registry.find("PT0").orElseThrow();
            assertEquals(1024, pt.blockCount());
            assertEquals(Map.of("passthru", Map.of("name", "PT0", "base_bdev_name", "M0")), pt.driverSpecific());

            IoChannel ch = h.open("PT0", OpenMode.WRITE_EXCLUSIVE).channel(h.reactor);
            MemorySegment a = h.buffer(1024);
            a.fill((byte) 0x5a);
            assertEquals(BdevIo.SUCCESS, h.run(ch, IoType.WRITE, 10, 2, a).status);
            assertEquals((byte) 0x5a, base.data.get(ValueLayout.JAVA_BYTE, 10 * 512));
            assertEquals((byte) 0x5a, base.data.get(ValueLayout.JAVA_BYTE, 12 * 512 - 1));
            assertEquals(0, base.data.get(ValueLayout.JAVA_BYTE, 12 * 512));
            MemorySegment back = h.buffer(1024);
            assertEquals(BdevIo.SUCCESS, h.run(ch, IoType.READ, 10, 2, back).status);
            assertEquals(-1, back.mismatch(a));
            assertEquals(BdevIo.INVALID, h.run(ch, IoType.READ, 1023, 2, back).status);
            // the out-of-range read failed in the core of PT0 and never reached the base
            assertEquals(2, pt.stats().ops(IoType.READ));
            assertEquals(1, h.registry.find("M0").orElseThrow().stats().ops(IoType.READ));
        }
    }

    @Test
    void shouldClaimTheBaseSoNothingElseWritesToIt() {
        try (BdevHarness h = new BdevHarness()) {
            RamBackend.register(h, "M0", 64, 512);
            PassthruModule m = new PassthruModule(h.registry);
            m.create(params("M0", "PT0"));
            BdevException export = assertThrows(BdevException.class, () -> h.open("M0", OpenMode.WRITE_SHARED));
            assertTrue(export.getMessage().contains("passthru PT0"), export.getMessage());
            BdevException second = assertThrows(BdevException.class, () -> m.create(params("M0", "PT1")));
            assertTrue(second.getMessage().contains("passthru PT0"), second.getMessage());
            assertFalse(h.registry.find("PT1").isPresent());
            h.open("M0", OpenMode.READ_ONLY).close();
            assertThrows(BdevException.class, () -> m.create(params("nope", "PT2")));

            m.bdevs().delete("PT0");
            h.open("M0", OpenMode.WRITE_EXCLUSIVE).close(); // the claim went with it
        }
    }

    @Test
    void shouldFollowTheBasesResizeAndGoAwayWithIt() throws Exception {
        try (BdevHarness h = new BdevHarness()) {
            RamBackend base = RamBackend.register(h, "M0", 64, 512);
            PassthruModule m = new PassthruModule(h.registry);
            m.create(params("M0", "PT0"));
            h.registry.resize("M0", 32);
            assertEquals(32, h.registry.find("PT0").orElseThrow().blockCount());

            BdevDescriptor user = h.open("PT0", OpenMode.WRITE_SHARED);
            IoChannel ch = user.channel(h.reactor);
            assertEquals(BdevIo.SUCCESS, h.run(ch, IoType.FLUSH, 0, 0).status);
            CompletableFuture<Void> gone = h.registry.unregister("M0", true);
            assertTrue(h.events.contains("removed PT0"), h.events.toString());
            assertEquals(BdevIo.REMOVED, h.run(ch, IoType.FLUSH, 0, 0).status);
            ch.close();
            user.close();
            h.stepUntil(gone::isDone);
            gone.get();
            assertTrue(base.destroyed);
            assertFalse(h.registry.find("PT0").isPresent());
            assertTrue(m.bdevs().names().isEmpty());
        }
    }
}
