package io.jvhost.vhostblk.internal;

import static io.jvhost.frontend.BlkRequests.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jvhost.bdev.IoType;
import io.jvhost.bdev.core.internal.BdevRegistryImpl;
import io.jvhost.bdev.malloc.internal.MallocBackend;
import io.jvhost.bdev.spi.BdevSpec;
import io.jvhost.config.MethodException;
import io.jvhost.config.Params;
import io.jvhost.frontend.BlkQueue;
import io.jvhost.frontend.VhostUserBlkDisk;
import io.jvhost.reactor.CpuMask;
import io.jvhost.reactor.Reactors;
import io.jvhost.vhostuser.internal.ControllerRegistry;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A vhost-blk controller over a real malloc bdev, driven by the Java front-end over its socket. */
class BlkControllerTest {
    private static final long TIMEOUT = TimeUnit.SECONDS.toNanos(10);
    private static final int BLOCK = 4096;
    private static final long BLOCKS = 4096;

    @TempDir
    Path dir;
    private Reactors.ClosableReactorGroup reactors;
    private BdevRegistryImpl registry;
    private ControllerRegistry controllers;
    private BlkControllers blk;

    @BeforeEach
    void setUp() {
        reactors = Reactors.start("test", CpuMask.of(0), "interrupt");
        registry = new BdevRegistryImpl();
        registry.register(new BdevSpec("Malloc0", null, "malloc", "Malloc disk", BLOCK, BLOCKS, 0,
                EnumSet.allOf(IoType.class), Map.of()), new MallocBackend(BLOCK * BLOCKS, BLOCK));
        controllers = new ControllerRegistry(reactors, dir);
        blk = new BlkControllers(null, controllers, registry);
    }

    @AfterEach
    void tearDown() {
        controllers.closeAll();
        reactors.close();
    }

    private void create(Map<String, Object> params) {
        Map<String, Object> p = new HashMap<>(Map.of("ctrlr", "vhost.0", "dev_name", "Malloc0"));
        p.putAll(params);
        blk.create(new Params("vhost_create_blk_controller", p));
    }

    private VhostUserBlkDisk connect(int queues) throws Exception {
        return VhostUserBlkDisk.connect(dir.resolve("vhost.0"), VhostUserBlkDisk.Options.defaults().withQueues(queues));
    }

    @Test
    void shouldExposeCapacityBlockSizeAndFeaturesOfTheBdev() throws Exception {
        create(Map.of());
        try (VhostUserBlkDisk disk = connect(1)) {
            assertEquals(BLOCK * BLOCKS / 512, disk.capacitySectors());
            assertEquals(BLOCK, disk.blockSize());
            assertTrue(disk.hasFeature(F_FLUSH) && disk.hasFeature(F_DISCARD) && disk.hasFeature(F_WRITE_ZEROES));
            assertFalse(disk.hasFeature(F_RO));
            assertEquals(BlkControllers.DEFAULT_QUEUES, disk.backendQueues());
        }
    }

    @Test
    void shouldWriteAndReadBackOnEveryQueue() throws Exception {
        create(Map.of());
        Random random = new Random(7);
        try (VhostUserBlkDisk disk = connect(2)) {
            for (int q = 0; q < 2; q++) {
                BlkQueue queue = disk.queue(q);
                byte[] data = new byte[16384];
                random.nextBytes(data);
                long sector = 8L * (100 + 50 * q);
                int slot = queue.nextSlot();
                MemorySegment.copy(data, 0, queue.data(slot), ValueLayout.JAVA_BYTE, 0, data.length);
                assertEquals(S_OK, queue.execute(T_OUT, sector, data.length, TIMEOUT));
                slot = queue.nextSlot();
                queue.data(slot).fill((byte) 0);
                assertEquals(S_OK, queue.execute(T_IN, sector, data.length, TIMEOUT));
                byte[] back = queue.data(slot).asSlice(0, data.length).toArray(ValueLayout.JAVA_BYTE);
                assertEquals(java.util.Arrays.hashCode(data), java.util.Arrays.hashCode(back), "queue " + q);
                assertEquals(S_OK, queue.execute(T_FLUSH, 0, 0, TIMEOUT));
            }
        }
    }

    @Test
    void shouldLetMaxSessionsFrontEndsShareOneDiskAndRefuseTheNext() throws Exception {
        create(Map.of("max_sessions", 2));
        try (VhostUserBlkDisk a = connect(1); VhostUserBlkDisk b = connect(1)) {
            byte[] data = new byte[8192];
            new Random(11).nextBytes(data);
            BlkQueue qa = a.queue(0), qb = b.queue(0);
            int slot = qa.nextSlot();
            MemorySegment.copy(data, 0, qa.data(slot), ValueLayout.JAVA_BYTE, 0, data.length);
            assertEquals(S_OK, qa.execute(T_OUT, 800, data.length, TIMEOUT));
            slot = qb.nextSlot();
            qb.data(slot).fill((byte) 0);
            assertEquals(S_OK, qb.execute(T_IN, 800, data.length, TIMEOUT));
            assertEquals(java.util.Arrays.hashCode(data), java.util.Arrays.hashCode(
                    qb.data(slot).asSlice(0, data.length).toArray(ValueLayout.JAVA_BYTE)),
                    "one VM reads what the other wrote to the shared disk");
            assertEquals(java.util.List.of(1, 2), controllers.find("vhost.0").orElseThrow().sessions());
            assertThrows(Exception.class, () -> connect(1).close(), "a third front-end is refused");
            assertEquals(S_OK, qa.execute(T_FLUSH, 0, 0, TIMEOUT), "the refusal leaves the others running");
        }
        MethodException e = assertThrows(MethodException.class, () -> blk.create(new Params(
                "vhost_create_blk_controller", Map.of("ctrlr", "vhost.9", "dev_name", "Malloc0", "max_sessions", 0))));
        assertEquals(MethodException.INVALID_PARAMS, e.code());
    }

    @Test
    void shouldKeepManyRequestsInFlightAndCompleteEachOnce() throws Exception {
        create(Map.of());
        try (VhostUserBlkDisk disk = connect(1)) {
            BlkQueue q = disk.queue(0);
            int[] done = new int[q.slots()];
            int completed = 0;
            for (int round = 0; round < 20; round++) {
                while (q.submit(T_IN, 8L * (round * 64 + q.inFlight()), 4096) >= 0) {
                    // fill every slot
                }
                q.publish();
                long deadline = System.nanoTime() + TIMEOUT;
                while (q.inFlight() > 0 && System.nanoTime() < deadline) {
                    completed += q.poll((slot, status, len) -> {
                        assertEquals(S_OK, status);
                        assertEquals(4097, len);
                        done[slot]++;
                    });
                }
                assertEquals(0, q.inFlight());
            }
            assertEquals(20 * q.slots(), completed);
            for (int d : done) {
                assertEquals(20, d);
            }
        }
    }

    @Test
    void shouldServePackedRingsAcrossManyRingWraps() throws Exception {
        create(Map.of("packed_ring", true));
        try (VhostUserBlkDisk disk = VhostUserBlkDisk.connect(dir.resolve("vhost.0"),
                VhostUserBlkDisk.Options.defaults().withQueues(2).withPacked(true).withSlots(21, 8192))) {
            Random random = new Random(3);
            for (int q = 0; q < 2; q++) {
                BlkQueue queue = disk.queue(q);
                // 21 slots of 3 descriptors in a 256-entry ring: 60 rounds wrap the ring several times
                for (int round = 0; round < 60; round++) {
                    int[] sectors = new int[queue.slots()];
                    byte[][] data = new byte[queue.slots()][8192];
                    while (queue.nextSlot() >= 0) {
                        int slot = queue.nextSlot();
                        random.nextBytes(data[slot]);
                        sectors[slot] = 16 * (slot * 90 + random.nextInt(90)); // disjoint per slot
                        MemorySegment.copy(data[slot], 0, queue.data(slot), ValueLayout.JAVA_BYTE, 0, 8192);
                        queue.submit(T_OUT, sectors[slot], 8192);
                    }
                    queue.publish();
                    drain(queue);
                    for (int slot = 0; slot < queue.slots(); slot++) {
                        int s = queue.nextSlot();
                        queue.data(s).fill((byte) 0);
                        assertEquals(S_OK, queue.execute(T_IN, sectors[slot], 8192, TIMEOUT));
                        byte[] back = queue.data(s).asSlice(0, 8192).toArray(ValueLayout.JAVA_BYTE);
                        assertTrue(java.util.Arrays.equals(data[slot], back), "queue " + q + " round " + round);
                    }
                }
            }
        }
    }

    @Test
    void shouldKeepCoalescingInTheListingAndTheSavedConfig() {
        create(Map.of());
        var controller = controllers.find("vhost.0").orElseThrow();
        assertEquals(null, controller.coalescingConfig(), "off by default: nothing to save");
        controller.setCoalescing(50, 100000);
        java.util.List<Map<String, Object>> saved = blk.config();
        assertEquals("vhost_controller_set_coalescing", saved.get(1).get("method"));
        assertEquals(Map.of("ctrlr", "vhost.0", "delay_base_us", 50L, "iops_threshold", 100000L),
                saved.get(1).get("params"));
        assertEquals(50L, controller.coalescingDelayBaseUs());
    }

    private static void drain(BlkQueue q) {
        long deadline = System.nanoTime() + TIMEOUT;
        while (q.inFlight() > 0 && System.nanoTime() < deadline) {
            q.poll((slot, status, len) -> assertEquals(S_OK, status));
        }
        assertEquals(0, q.inFlight(), "every request completed");
    }

    @Test
    void shouldAnswerGetIdWithTheBdevName() throws Exception {
        create(Map.of());
        try (VhostUserBlkDisk disk = connect(1)) {
            BlkQueue q = disk.queue(0);
            int slot = q.nextSlot();
            assertEquals(S_OK, q.execute(T_GET_ID, 0, ID_BYTES, TIMEOUT));
            byte[] id = q.data(slot).asSlice(0, 7).toArray(ValueLayout.JAVA_BYTE);
            assertEquals("Malloc0", new String(id, java.nio.charset.StandardCharsets.US_ASCII));
        }
    }

    @Test
    void shouldZeroAndDiscardRanges() throws Exception {
        create(Map.of());
        try (VhostUserBlkDisk disk = connect(1)) {
            BlkQueue q = disk.queue(0);
            int slot = q.nextSlot();
            q.data(slot).asSlice(0, 8192).fill((byte) 0x5A);
            assertEquals(S_OK, q.execute(T_OUT, 64, 8192, TIMEOUT));
            slot = q.nextSlot();
            q.range(slot, 64, 8, false);
            assertEquals(S_OK, q.execute(T_WRITE_ZEROES, 0, 16, TIMEOUT));
            slot = q.nextSlot();
            q.range(slot, 72, 8, false);
            assertEquals(S_OK, q.execute(T_DISCARD, 0, 16, TIMEOUT));
            slot = q.nextSlot();
            q.data(slot).fill((byte) 1);
            assertEquals(S_OK, q.execute(T_IN, 64, 4096, TIMEOUT));
            assertEquals(0, countNonZero(q.data(slot).asSlice(0, 4096)));
            slot = q.nextSlot();
            q.range(slot, 64, 8, true);
            assertEquals(S_UNSUPP, q.execute(T_DISCARD, 0, 16, TIMEOUT), "discard with flags must be refused");
        }
    }

    private static int countNonZero(MemorySegment s) {
        int n = 0;
        for (long i = 0; i < s.byteSize(); i++) {
            if (s.get(ValueLayout.JAVA_BYTE, i) != 0) {
                n++;
            }
        }
        return n;
    }

    @Test
    void shouldFailOutOfRangeMisalignedAndUnknownRequests() throws Exception {
        create(Map.of());
        try (VhostUserBlkDisk disk = connect(1)) {
            BlkQueue q = disk.queue(0);
            assertEquals(S_IOERR, q.execute(T_IN, BLOCK * BLOCKS / 512, 4096, TIMEOUT));
            assertEquals(S_IOERR, q.execute(T_IN, 1, 4096, TIMEOUT), "not aligned to the 4 KiB block");
            assertEquals(S_IOERR, q.execute(T_OUT, 0, 512, TIMEOUT), "shorter than a block");
            assertEquals(S_UNSUPP, q.execute(99, 0, 0, TIMEOUT));
            assertEquals(S_OK, q.execute(T_IN, 0, 4096, TIMEOUT), "the queue still serves after errors");
        }
    }

    @Test
    void shouldRefuseWritesOnAReadOnlyController() throws Exception {
        create(Map.of("readonly", true));
        try (VhostUserBlkDisk disk = connect(1)) {
            assertTrue(disk.hasFeature(F_RO));
            assertFalse(disk.hasFeature(F_DISCARD));
            assertEquals(S_IOERR, disk.queue(0).execute(T_OUT, 0, 4096, TIMEOUT));
            assertEquals(S_OK, disk.queue(0).execute(T_IN, 0, 4096, TIMEOUT));
        }
    }

    @Test
    void shouldKeepDataAcrossReconnect() throws Exception {
        create(Map.of());
        try (VhostUserBlkDisk disk = connect(1)) {
            BlkQueue q = disk.queue(0);
            q.data(q.nextSlot()).fill((byte) 0x33);
            assertEquals(S_OK, q.execute(T_OUT, 800, 4096, TIMEOUT));
        }
        awaitDisconnected();
        try (VhostUserBlkDisk disk = connect(1)) {
            BlkQueue q = disk.queue(0);
            int slot = q.nextSlot();
            assertEquals(S_OK, q.execute(T_IN, 800, 4096, TIMEOUT));
            assertEquals(0x33, q.data(slot).get(ValueLayout.JAVA_BYTE, 4095));
        }
    }

    private void awaitDisconnected() throws InterruptedException {
        for (int i = 0; i < 500 && controllers.find("vhost.0").orElseThrow().connected(); i++) {
            Thread.sleep(10);
        }
    }

    @Test
    void shouldFailRequestsWithIoErrorAndReportNoCapacityAfterHotRemove() throws Exception {
        create(Map.of());
        try (VhostUserBlkDisk disk = connect(1)) {
            BlkQueue q = disk.queue(0);
            assertEquals(S_OK, q.execute(T_IN, 0, 4096, TIMEOUT));
            registry.unregister("Malloc0", true).get(10, TimeUnit.SECONDS);
            assertEquals(S_IOERR, q.execute(T_IN, 0, 4096, TIMEOUT));
            assertEquals(0, MemorySegment.ofArray(disk.readConfig()).get(ValueLayout.JAVA_LONG_UNALIGNED, 0));
        }
    }

    @Test
    void shouldAnnounceAResizeAndReportTheNewCapacity() throws Exception {
        create(Map.of());
        try (VhostUserBlkDisk disk = connect(1)) {
            registry.resize("Malloc0", BLOCKS / 2);
            long deadline = System.currentTimeMillis() + 5000;
            while (disk.configChanges() == 0 && System.currentTimeMillis() < deadline) {
                Thread.sleep(5);
            }
            assertEquals(1, disk.configChanges(), "the front-end gets one config-change message");
            long capacity = MemorySegment.ofArray(disk.readConfig()).get(ValueLayout.JAVA_LONG_UNALIGNED, 0);
            assertEquals(BLOCK * BLOCKS / 2 / 512, capacity);
            assertEquals(S_IOERR, disk.queue(0).execute(T_IN, BLOCK * BLOCKS / 2 / 512, 4096, TIMEOUT),
                    "reads beyond the new end fail");
        }
    }

    @Test
    void shouldRefuseBadParameters() {
        MethodException e = assertThrows(MethodException.class, () -> create(Map.of("dev_name", "Nope")));
        assertEquals(MethodException.ENODEV, e.code());
        create(Map.of());
        e = assertThrows(MethodException.class, () -> create(Map.of()));
        assertEquals(MethodException.EEXIST, e.code());
        e = assertThrows(MethodException.class, () -> create(Map.of("ctrlr", "x", "cpumask", "0x4")));
        assertEquals(MethodException.INVALID_PARAMS, e.code());
        e = assertThrows(MethodException.class, () -> create(Map.of("ctrlr", "../escape")));
        assertEquals(MethodException.INVALID_PARAMS, e.code());
        e = assertThrows(MethodException.class, () -> create(Map.of("ctrlr", "y", "bogus", 1L)));
        assertEquals(MethodException.INVALID_PARAMS, e.code());
    }
}
