package io.jvhost.shadowdoorbell.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jvhost.bdev.IoType;
import io.jvhost.bdev.core.internal.BdevRegistryImpl;
import io.jvhost.bdev.malloc.internal.MallocBackend;
import io.jvhost.bdev.spi.BdevSpec;
import io.jvhost.config.Params;
import io.jvhost.frontend.VhostUserNvme;
import io.jvhost.nvme.Nvme;
import io.jvhost.reactor.CpuMask;
import io.jvhost.reactor.Reactors;
import io.jvhost.vhostnvme.internal.NvmeControllers;
import io.jvhost.vhostuser.internal.ControllerRegistry;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Shadow doorbells between a vhost-nvme controller on a polling reactor and a guest driver that
 * follows Linux's EventIdx rule: the guest almost never writes a doorbell a hypervisor would trap,
 * and the handler can come and go without taking pages from queues that use them.
 */
class ShadowDoorbellTest {
    @TempDir
    Path dir;
    private Reactors.ClosableReactorGroup reactors;
    private ControllerRegistry controllers;
    private NvmeControllers nvme;
    private final ShadowDoorbellHandler handler = new ShadowDoorbellHandler();

    @BeforeEach
    void setUp() {
        reactors = Reactors.start("test", CpuMask.of(0), "busy-spin");
        BdevRegistryImpl bdevs = new BdevRegistryImpl();
        bdevs.register(new BdevSpec("Malloc0", null, "malloc", "Malloc disk", 512, 8192, 0, EnumSet.allOf(IoType.class),
                Map.of()), new MallocBackend(512 * 8192, 512));
        controllers = new ControllerRegistry(reactors, dir);
        nvme = new NvmeControllers(null, controllers, bdevs, reactors);
        nvme.bindDoorbells(handler);
        nvme.create(new Params("vhost_create_nvme_controller", new HashMap<>(Map.of("ctrlr", "nvme0", "io_queues", 2))));
        nvme.addNamespace(new Params("vhost_nvme_controller_add_ns", new HashMap<>(Map.of("ctrlr", "nvme0",
                "bdev_name", "Malloc0"))));
    }

    @AfterEach
    void tearDown() {
        controllers.closeAll();
        reactors.close();
    }

    @Test
    void shouldLeaveAtMostOneTrappedDoorbellWritePerHundredIos() throws Exception {
        try (VhostUserNvme h = new VhostUserNvme(dir.resolve("nvme0"))) {
            h.enable(true);
            byte[] ctrl = h.admin(Nvme.ADMIN_IDENTIFY, 0, Nvme.CNS_CONTROLLER, 0, 0, 0);
            assertEquals(1 << 8, MemorySegment.ofArray(ctrl).get(ValueLayout.JAVA_SHORT_UNALIGNED, 16 + 256) & (1 << 8),
                    "Doorbell Buffer Config offered");
            assertEquals(Nvme.SUCCESS, VhostUserNvme.status(h.configureShadowDoorbells()));
            VhostUserNvme.IoQueue q = h.createQueuePair(1, 1024); // Linux's default I/O queue depth
            long ios = run(h, q, 5000);
            double perIo = (double) h.trappedDoorbells / ios;
            assertTrue(perIo <= 0.01, "trapped doorbell writes per I/O: " + perIo);

            // the bundle stops: queues keep their pages, new configurations are refused
            nvme.unbindDoorbells(handler);
            h.trappedDoorbells = 0;
            ios = run(h, q, 2000);
            assertTrue((double) h.trappedDoorbells / ios <= 0.01, "still shadowed: " + h.trappedDoorbells);
            assertEquals(Nvme.INVALID_OPCODE, VhostUserNvme.status(h.configureShadowDoorbells()));
        }
    }

    /** Reads and writes at depth 16 until {@code ios} completed; returns how many. */
    private static long run(VhostUserNvme h, VhostUserNvme.IoQueue q, int ios) {
        long buf = h.ram.allocate(4096 * 16L, 4096);
        int submitted = 0;
        int completed = 0;
        int inFlight = 0;
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (completed < ios && System.nanoTime() < deadline) {
            while (inFlight < 16 && submitted < ios) {
                int cid = submitted % 1024;
                q.submit(submitted % 2 == 0 ? Nvme.IO_WRITE : Nvme.IO_READ, cid, 1, buf + 4096L * (cid % 16), 0,
                        (cid % 512) * 8, 0, 7);
                submitted++;
                inFlight++;
            }
            int[] d;
            while ((d = q.reap()) != null) {
                assertEquals(Nvme.SUCCESS, d[1]);
                completed++;
                inFlight--;
            }
        }
        assertEquals(ios, completed);
        return completed;
    }
}
