package io.jvhost.vhostnvme.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jvhost.bdev.IoType;
import io.jvhost.bdev.error.internal.ErrorModule;
import io.jvhost.bdev.core.internal.BdevRegistryImpl;
import io.jvhost.bdev.malloc.internal.MallocBackend;
import io.jvhost.bdev.spi.BdevSpec;
import io.jvhost.config.Params;
import io.jvhost.frontend.NvmeBar0;
import io.jvhost.frontend.VhostUserNvme;
import io.jvhost.nvme.Cqe;
import io.jvhost.nvme.Identify;
import io.jvhost.nvme.Registers;
import io.jvhost.nvme.Sqe;
import io.jvhost.nvme.Nvme;
import io.jvhost.reactor.CpuMask;
import io.jvhost.reactor.Reactors;
import io.jvhost.vhostuser.internal.ControllerRegistry;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A vhost-user NVMe controller over malloc bdevs, driven by the front-end's hypervisor + guest driver. */
class NvmeControllerTest {
    private static final int BS = 512;
    private static final long BLOCKS = 8192;

    @TempDir
    Path dir;
    private Reactors.ClosableReactorGroup reactors;
    private ControllerRegistry controllers;
    private NvmeControllers nvme;
    private final BdevRegistryImpl bdevs = new BdevRegistryImpl();

    private void start(String idle) {
        reactors = Reactors.start("test", CpuMask.of(0), idle);
        for (String name : List.of("Malloc0", "Malloc1")) {
            bdevs.register(new BdevSpec(name, null, "malloc", "Malloc disk", BS, BLOCKS, 0, EnumSet.allOf(IoType.class),
                    Map.of()), new MallocBackend(BS * BLOCKS, BS));
        }
        controllers = new ControllerRegistry(reactors, dir);
        nvme = new NvmeControllers(null, controllers, bdevs, reactors);
        nvme.create(new Params("vhost_create_nvme_controller", new HashMap<>(Map.of("ctrlr", "nvme0", "io_queues", 4))));
        nvme.addNamespace(new Params("vhost_nvme_controller_add_ns", new HashMap<>(Map.of("ctrlr", "nvme0",
                "bdev_name", "Malloc0"))));
    }

    @AfterEach
    void tearDown() {
        if (controllers != null) {
            controllers.closeAll();
            reactors.close();
        }
    }

    private VhostUserNvme connect() throws Exception {
        VhostUserNvme h = new VhostUserNvme(dir.resolve("nvme0"));
        h.enable(true);
        return h;
    }

    @Test
    void shouldReportCapabilitiesAndIdentifyData() throws Exception {
        start("interrupt");
        try (VhostUserNvme h = connect()) {
            assertEquals(NvmeDevice.MAX_QUEUE_ENTRIES, Nvme.maxQueueEntries(h.capabilities()));
            byte[] ctrl = h.admin(Nvme.ADMIN_IDENTIFY, 0, Nvme.CNS_CONTROLLER, 0, 0, 0);
            assertEquals(Nvme.SUCCESS, VhostUserNvme.status(ctrl));
            assertEquals(16 + 4096, ctrl.length);
            MemorySegment id = MemorySegment.ofArray(ctrl).asSlice(16);
            assertTrue(new String(ctrl, 16 + 24, 40, StandardCharsets.US_ASCII).startsWith("jvhost NVMe controller"));
            assertEquals(1, id.get(ValueLayout.JAVA_INT_UNALIGNED, 516), "one namespace");
            byte[] ns = h.admin(Nvme.ADMIN_IDENTIFY, 1, Nvme.CNS_NAMESPACE, 0, 0, 0);
            MemorySegment n = MemorySegment.ofArray(ns).asSlice(16);
            assertEquals(BLOCKS, n.get(ValueLayout.JAVA_LONG_UNALIGNED, 0));
            assertEquals(9, (n.get(ValueLayout.JAVA_INT_UNALIGNED, 128) >>> 16) & 0xFF, "LBADS 9: 512-byte blocks");
            byte[] list = h.admin(Nvme.ADMIN_IDENTIFY, 0, Nvme.CNS_ACTIVE_NAMESPACES, 0, 0, 0);
            assertEquals(1, MemorySegment.ofArray(list).get(ValueLayout.JAVA_INT_UNALIGNED, 16));
            assertEquals(Nvme.INVALID_NAMESPACE, VhostUserNvme.status(h.admin(Nvme.ADMIN_IDENTIFY, 9, Nvme.CNS_NAMESPACE, 0,
                    0, 0)));
            assertEquals(Nvme.INVALID_FIELD, VhostUserNvme.status(h.admin(Nvme.ADMIN_IDENTIFY, 0, 0x55, 0, 0, 0)));
            byte[] q = h.admin(Nvme.ADMIN_SET_FEATURES, 0, Nvme.FEAT_NUMBER_OF_QUEUES, 63 | 63 << 16, 0, 0);
            assertEquals(3 | 3 << 16, VhostUserNvme.dw0(q), "4 I/O queues granted, 0-based");
            byte[] smart = h.admin(Nvme.ADMIN_GET_LOG_PAGE, 0xFFFFFFFF, Nvme.LOG_SMART | 127 << 16, 0, 0, 0);
            assertEquals(16 + 512, smart.length);
            assertEquals(Nvme.INVALID_OPCODE, VhostUserNvme.status(h.admin(0x7F, 0, 0, 0, 0, 0)));
        }
    }

    @Test
    void shouldMoveDataThroughPrpsAndPrpListsWithTheDoorbellRelay() throws Exception {
        start("interrupt");
        try (VhostUserNvme h = connect()) {
            VhostUserNvme.IoQueue q = h.createQueuePair(1, 32);
            Random random = new Random(9);
            // 3 pages: PRP1 at an offset inside its page, PRP2 a list of the next pages
            byte[] data = new byte[3 * 4096 - 1024];
            random.nextBytes(data);
            long buf = h.ram.allocate(4 * 4096, 4096);
            long first = buf + 1024;
            MemorySegment.copy(data, 0, h.ram.at(first, data.length), ValueLayout.JAVA_BYTE, 0, data.length);
            long list = h.ram.allocate(4096, 4096);
            h.ram.at(list, 16).set(ValueLayout.JAVA_LONG_UNALIGNED, 0, buf + 4096);
            h.ram.at(list, 16).set(ValueLayout.JAVA_LONG_UNALIGNED, 8, buf + 8192);
            int blocks = data.length / BS;
            q.submit(Nvme.IO_WRITE, 1, 1, first, list, 100, 0, blocks - 1);
            assertEquals(Nvme.SUCCESS, q.await(1));
            long back = h.ram.allocate(2 * 4096, 4096);
            long back2 = h.ram.allocate(4096, 4096);
            h.ram.at(back, 8192).fill((byte) 0);
            long list2 = h.ram.allocate(4096, 4096);
            h.ram.at(list2, 16).set(ValueLayout.JAVA_LONG_UNALIGNED, 0, back + 4096);
            h.ram.at(list2, 16).set(ValueLayout.JAVA_LONG_UNALIGNED, 8, back2);
            q.submit(Nvme.IO_READ, 2, 1, back + 1024, list2, 100, 0, blocks - 1);
            assertEquals(Nvme.SUCCESS, q.await(2));
            byte[] got = new byte[data.length];
            MemorySegment.copy(h.ram.at(back + 1024, 3072), ValueLayout.JAVA_BYTE, 0, got, 0, 3072);
            MemorySegment.copy(h.ram.at(back + 4096, 4096), ValueLayout.JAVA_BYTE, 0, got, 3072, 4096);
            MemorySegment.copy(h.ram.at(back2, data.length - 7168), ValueLayout.JAVA_BYTE, 0, got, 7168,
                    data.length - 7168);
            assertArrayEquals(data, got);
            assertTrue(q.call.drain() > 0, "completions interrupt through the CQ's call eventfd");
            q.submit(Nvme.IO_FLUSH, 3, 1, 0, 0, 0, 0, 0);
            assertEquals(Nvme.SUCCESS, q.await(3));
            // Compare against what was written: equal, then one byte off
            q.submit(Nvme.IO_COMPARE, 4, 1, first, list, 100, 0, blocks - 1);
            assertEquals(Nvme.SUCCESS, q.await(4));
            h.ram.at(first + 700, 1).set(ValueLayout.JAVA_BYTE, 0, (byte) (data[700] ^ 1));
            q.submit(Nvme.IO_COMPARE, 5, 1, first, list, 100, 0, blocks - 1);
            assertEquals(Nvme.COMPARE_FAILURE, q.await(5));
        }
    }

    @Test
    void shouldAnswerHostileCommandsWithTheRightStatus() throws Exception {
        start("interrupt");
        try (VhostUserNvme h = connect()) {
            assertEquals(Nvme.INVALID_CQ, VhostUserNvme.status(h.admin(Nvme.ADMIN_CREATE_SQ, 0, 2 | 15 << 16, 1 | 3 << 16,
                    h.ram.allocate(4096, 4096), 0)));
            assertEquals(Nvme.INVALID_QUEUE_SIZE, VhostUserNvme.status(h.admin(Nvme.ADMIN_CREATE_CQ, 0, 2 | 4095 << 16, 3,
                    h.ram.allocate(4096, 4096), 0)));
            assertEquals(Nvme.INVALID_QUEUE_ID, VhostUserNvme.status(h.admin(Nvme.ADMIN_CREATE_CQ, 0, 9 | 15 << 16, 3,
                    h.ram.allocate(4096, 4096), 0)));
            assertEquals(Nvme.INVALID_FIELD, VhostUserNvme.status(h.admin(Nvme.ADMIN_CREATE_CQ, 0, 2 | 15 << 16, 3,
                    1L << 40, 0)), "queue outside guest memory");
            VhostUserNvme.IoQueue q = h.createQueuePair(1, 16);
            assertEquals(Nvme.INVALID_QUEUE_DELETION, VhostUserNvme.status(h.admin(Nvme.ADMIN_DELETE_CQ, 0, 1, 0, 0, 0)));
            long buf = h.ram.allocate(8192, 4096);
            q.submit(Nvme.IO_READ, 1, 1, 1L << 40, 0, 0, 0, 0);
            assertEquals(Nvme.DATA_TRANSFER_ERROR, q.await(1), "PRP outside guest memory");
            q.submit(Nvme.IO_READ, 2, 1, buf, buf + 100, 0, 0, 15);
            assertEquals(Nvme.INVALID_PRP_OFFSET, q.await(2), "second PRP not page aligned");
            q.submit(Nvme.IO_WRITE, 3, 1, buf, 0, (int) BLOCKS - 1, 0, 1);
            assertEquals(Nvme.LBA_OUT_OF_RANGE, q.await(3));
            q.submit(Nvme.IO_READ, 4, 7, buf, 0, 0, 0, 0);
            assertEquals(Nvme.INVALID_NAMESPACE, q.await(4));
            q.submit(0x7E, 5, 1, buf, 0, 0, 0, 0);
            assertEquals(Nvme.INVALID_OPCODE, q.await(5));
            // a PRP list that points at itself is cut off, not followed forever
            long loop = h.ram.allocate(4096, 4096);
            MemorySegment l = h.ram.at(loop, 4096);
            for (int i = 0; i < 511; i++) {
                l.set(ValueLayout.JAVA_LONG_UNALIGNED, 8L * i, buf);
            }
            l.set(ValueLayout.JAVA_LONG_UNALIGNED, 8L * 511, loop);
            q.submit(Nvme.IO_READ, 6, 1, buf, loop, 0, 0, 0xFFFF);
            int s = q.await(6);
            assertTrue(s == Nvme.INVALID_PRP_OFFSET || s == Nvme.DATA_TRANSFER_ERROR || s == Nvme.LBA_OUT_OF_RANGE,
                    "status 0x" + Integer.toHexString(s));
            // and the queue still serves
            q.submit(Nvme.IO_READ, 7, 1, buf, 0, 0, 0, 0);
            assertEquals(Nvme.SUCCESS, q.await(7));
            assertEquals(Nvme.SUCCESS, VhostUserNvme.status(h.admin(Nvme.ADMIN_DELETE_SQ, 0, 1, 0, 0, 0)));
            assertEquals(Nvme.SUCCESS, VhostUserNvme.status(h.admin(Nvme.ADMIN_DELETE_CQ, 0, 1, 0, 0, 0)));
        }
    }

    @Test
    void withoutTheShadowDoorbellBundleDoorbellBufferConfigIsNotOffered() throws Exception {
        start("interrupt");
        try (VhostUserNvme h = connect()) {
            byte[] ctrl = h.admin(Nvme.ADMIN_IDENTIFY, 0, Nvme.CNS_CONTROLLER, 0, 0, 0);
            assertEquals(0, MemorySegment.ofArray(ctrl).get(ValueLayout.JAVA_SHORT_UNALIGNED, 16 + 256) & (1 << 8));
            assertEquals(Nvme.INVALID_OPCODE, VhostUserNvme.status(h.configureShadowDoorbells()));
            // the doorbell relay alone still carries I/O
            VhostUserNvme.IoQueue q = h.createQueuePair(1, 16);
            q.submit(Nvme.IO_READ, 1, 1, h.ram.allocate(4096, 4096), 0, 0, 0, 7);
            assertEquals(Nvme.SUCCESS, q.await(1));
        }
    }

    @Test
    void shouldAnnounceANamespaceAddedWhileTheGuestRuns() throws Exception {
        start("interrupt");
        try (VhostUserNvme h = connect()) {
            VhostUserNvme.IoQueue q = h.createQueuePair(1, 16);
            byte[] log = h.admin(Nvme.ADMIN_GET_LOG_PAGE, 0xFFFFFFFF, Nvme.LOG_CHANGED_NAMESPACES | 1023 << 16, 0, 0, 0);
            assertEquals(0, MemorySegment.ofArray(log).get(ValueLayout.JAVA_INT_UNALIGNED, 16), "nothing changed since the driver started");
            int before = h.frontend.configChanges();
            assertEquals(2, nvme.addNamespace(new Params("vhost_nvme_controller_add_ns", new HashMap<>(Map.of(
                    "ctrlr", "nvme0", "bdev_name", "Malloc1")))));
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (h.frontend.configChanges() == before && System.nanoTime() < deadline) {
                Thread.sleep(1);
            }
            assertTrue(h.frontend.configChanges() > before, "the hypervisor is told to raise the event");
            log = h.admin(Nvme.ADMIN_GET_LOG_PAGE, 0xFFFFFFFF, Nvme.LOG_CHANGED_NAMESPACES | 1023 << 16, 0, 0, 0);
            assertEquals(2, MemorySegment.ofArray(log).get(ValueLayout.JAVA_INT_UNALIGNED, 16));
            log = h.admin(Nvme.ADMIN_GET_LOG_PAGE, 0xFFFFFFFF, Nvme.LOG_CHANGED_NAMESPACES | 1023 << 16, 0, 0, 0);
            assertEquals(0, MemorySegment.ofArray(log).get(ValueLayout.JAVA_INT_UNALIGNED, 16), "cleared by reading");
            byte[] list = h.admin(Nvme.ADMIN_IDENTIFY, 0, Nvme.CNS_ACTIVE_NAMESPACES, 0, 0, 0);
            assertEquals(2, MemorySegment.ofArray(list).get(ValueLayout.JAVA_INT_UNALIGNED, 16 + 4));
            q.submit(Nvme.IO_WRITE, 1, 2, h.ram.allocate(4096, 4096), 0, 0, 0, 7);
            assertEquals(Nvme.SUCCESS, q.await(1), "I/O to the new namespace");
        }
    }

    @Test
    void anUnansweredInterruptIsNotRepeatedUntilTheGuestMovesItsHead() throws Exception {
        start("busy-spin"); // a sleeping reactor flushes every owed interrupt
        try (VhostUserNvme h = connect()) {
            VhostUserNvme.IoQueue q = h.createQueuePair(1, 16);
            long buf = h.ram.allocate(4096, 4096);
            q.call.drain();
            q.submit(Nvme.IO_READ, 1, 1, buf, 0, 0, 0, 0);
            awaitInterrupt(q, "the first completion");
            // the guest's handler has not run yet: a second entry rides on the first interrupt
            q.submit(Nvme.IO_READ, 2, 1, buf, 0, 8, 0, 0);
            Thread.sleep(50);
            assertEquals(0, q.call.drain(), "no second interrupt while the first is unanswered");
            // the handler takes one entry and writes the head; the other is still there, so it is signalled
            int[] first = q.reap();
            assertEquals(1, first[0]);
            awaitInterrupt(q, "the entry posted after the handler's head");
            assertEquals(Nvme.SUCCESS, q.await(2));
        }
    }

    private static void awaitInterrupt(VhostUserNvme.IoQueue q, String what) {
        long t0 = System.nanoTime();
        while (q.call.drain() == 0) {
            assertTrue(System.nanoTime() - t0 < 2_000_000_000L, "no interrupt for " + what);
            Thread.onSpinWait();
        }
    }

    @Test
    void interruptCoalescingHoldsTheInterruptUntilEnoughEntriesOrTimePassed() throws Exception {
        start("busy-spin"); // a sleeping reactor never holds interrupts back
        try (VhostUserNvme h = connect()) {
            // aggregation threshold 4 entries (0-based 3), aggregation time 25.5 ms (255 x 100 us)
            assertEquals(Nvme.SUCCESS, VhostUserNvme.status(h.admin(Nvme.ADMIN_SET_FEATURES, 0,
                    Nvme.FEAT_INTERRUPT_COALESCING, 3 | 255 << 8, 0, 0)));
            VhostUserNvme.IoQueue q = h.createQueuePair(1, 16);
            long buf = h.ram.allocate(4096, 4096);
            q.call.drain();
            long t0 = System.nanoTime();
            q.submit(Nvme.IO_READ, 1, 1, buf, 0, 0, 0, 0);
            assertEquals(Nvme.SUCCESS, q.await(1)); // a polling driver sees the entry at once
            while (q.call.drain() == 0) {
                assertTrue(System.nanoTime() - t0 < 2_000_000_000L, "the held interrupt never came");
                Thread.onSpinWait();
            }
            long waited = System.nanoTime() - t0;
            assertTrue(waited >= 20_000_000L, "one entry waits for the aggregation time: " + waited / 1000 + " us");
            // four entries reach the threshold: the interrupt does not wait out the time
            q.call.drain();
            for (int i = 0; i < 4; i++) {
                q.submit(Nvme.IO_READ, 10 + i, 1, buf, 0, i, 0, 0);
                assertEquals(Nvme.SUCCESS, q.await(10 + i));
            }
            t0 = System.nanoTime();
            while (q.call.drain() == 0) {
                Thread.onSpinWait();
            }
            assertTrue(System.nanoTime() - t0 < 10_000_000L, "the fourth entry sent it");
        }
    }

    @Test
    void shouldPollDoorbellsInASharedBarPage() throws Exception {
        start("interrupt");
        try (VhostUserNvme h = connect()) {
            h.shareBar();
            VhostUserNvme.IoQueue q = h.createQueuePair(1, 16);
            long buf = h.ram.allocate(4096, 4096);
            for (int i = 0; i < 40; i++) {
                q.submit(i % 2 == 0 ? Nvme.IO_WRITE : Nvme.IO_READ, i, 1, buf, 0, i, 0, 0);
                assertEquals(Nvme.SUCCESS, q.await(i));
            }
            assertEquals(0, h.trappedDoorbells, "doorbell writes went to memory, none was relayed");
        }
    }

    /**
     * NVME_SET_CQ_CALL and SET_MEM_TABLE race a verified I/O load: a replaced interrupt fd is closed
     * only after the CQ's reactor switched (no write lands in a closed fd's number), and every
     * command completes exactly once with its data.
     */
    @Test
    void shouldNeverSignalAClosedCallFdNorLoseACommandWhileCallFdsAndMemoryTablesChange() throws Exception {
        start("interrupt");
        try (VhostUserNvme h = connect(); io.jvhost.frontend.ClosedFdProbe probe = new io.jvhost.frontend.ClosedFdProbe()) {
            VhostUserNvme.IoQueue q = h.createQueuePair(1, 32);
            int slots = 16;
            long[] buf = new long[slots];
            for (int i = 0; i < slots; i++) {
                buf[i] = h.ram.allocate(4096, 4096);
            }
            java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
            java.util.concurrent.atomic.AtomicReference<Throwable> failure = new java.util.concurrent.atomic.AtomicReference<>();
            long[] counts = new long[1];
            java.util.concurrent.atomic.AtomicLong completed = new java.util.concurrent.atomic.AtomicLong();
            List<Boolean> progressed = new java.util.ArrayList<>();
            Thread load = new Thread(() -> {
                try {
                    int[] generation = new int[slots];
                    boolean[] busy = new boolean[slots];
                    int inFlight = 0;
                    long deadline = System.nanoTime() + 120_000_000_000L;
                    while (!stop.get() || inFlight > 0) {
                        for (int cid = 0; cid < slots && !stop.get(); cid++) {
                            if (!busy[cid]) {
                                MemorySegment b = h.ram.at(buf[cid], 4096);
                                boolean write = generation[cid] % 2 == 0;
                                if (write) {
                                    b.set(ValueLayout.JAVA_INT, 0, generation[cid]);
                                } else {
                                    b.fill((byte) 0);
                                }
                                q.submit(write ? Nvme.IO_WRITE : Nvme.IO_READ, cid, 1, buf[cid], 0, cid * 8, 0, 7);
                                busy[cid] = true;
                                inFlight++;
                                counts[0]++;
                            }
                        }
                        for (int[] c = q.reap(); c != null; c = q.reap()) {
                            int cid = c[0];
                            assertTrue(cid >= 0 && cid < slots && busy[cid], "command " + cid + " completed twice");
                            assertEquals(Nvme.SUCCESS, c[1], "command " + cid);
                            if (generation[cid] % 2 == 1) {
                                assertEquals(generation[cid] - 1, h.ram.at(buf[cid], 4).get(ValueLayout.JAVA_INT, 0),
                                        "read of slot " + cid + " sees its last write");
                            }
                            generation[cid]++;
                            busy[cid] = false;
                            inFlight--;
                            completed.incrementAndGet();
                        }
                        if (System.nanoTime() > deadline) {
                            throw new AssertionError(inFlight + " commands never completed");
                        }
                    }
                } catch (Throwable t) {
                    failure.set(t);
                }
            }, "race-load");
            load.start();
            io.jvhost.posix.EventFd previous = q.call;
            for (int i = 0; i < 3000 && failure.get() == null; i++) {
                io.jvhost.posix.EventFd call = io.jvhost.posix.EventFd.create();
                h.setCqCall(1, call);
                h.capabilities(); // a round trip: the message before it was handled
                previous.close();
                previous = call;
                if (i % 10 == 0) {
                    h.frontend.resendMemoryTable();
                }
                probe.takeFreedNumbers(2);
                if (i % 200 == 199) {
                    probe.sweep();
                    progressed.add(awaitProgress(completed));
                }
            }
            stop.set(true);
            load.join(30_000);
            previous.close();
            assertEquals(null, failure.get(), () -> "the I/O load failed: " + failure.get());
            assertEquals(counts[0], completed.get(), "every command submitted completed once");
            assertTrue(progressed.stream().allMatch(p -> p), "commands completed between every 200 swaps: " + progressed);
            assertEquals(List.of(), probe.writesAfterClose(), "descriptors written after close");
        }
    }

    /** Waits up to 10 s for the load to complete more commands than {@code completed} shows now. */
    private static boolean awaitProgress(java.util.concurrent.atomic.AtomicLong completed) throws InterruptedException {
        long before = completed.get();
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (completed.get() == before && System.nanoTime() < deadline) {
            Thread.sleep(1);
        }
        return completed.get() > before;
    }

    @Test
    void shouldServeSeveralQueuesAndLetANamespaceGoWhileTheGuestRuns() throws Exception {
        start("interrupt");
        nvme.addNamespace(new Params("vhost_nvme_controller_add_ns", new HashMap<>(Map.of("ctrlr", "nvme0",
                "bdev_name", "Malloc1"))));
        try (VhostUserNvme h = connect()) {
            VhostUserNvme.IoQueue q1 = h.createQueuePair(1, 16);
            VhostUserNvme.IoQueue q2 = h.createQueuePair(2, 16);
            long buf = h.ram.allocate(4096, 4096);
            for (int i = 0; i < 20; i++) {
                VhostUserNvme.IoQueue q = i % 2 == 0 ? q1 : q2;
                q.submit(Nvme.IO_WRITE, i, 1 + i % 2, buf, 0, i * 8, 0, 7);
                assertEquals(Nvme.SUCCESS, q.await(i), "command " + i);
            }
            int before = h.frontend.configChanges();
            bdevs.unregister("Malloc1", true).get();
            assertTrue(bdevs.find("Malloc1").isEmpty(), "the bdev is gone, namespace 2 let it go");
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (h.frontend.configChanges() == before && System.nanoTime() < deadline) {
                Thread.sleep(1);
            }
            assertTrue(h.frontend.configChanges() > before, "the hypervisor is told");
            byte[] log = h.admin(Nvme.ADMIN_GET_LOG_PAGE, 0xFFFFFFFF, Nvme.LOG_CHANGED_NAMESPACES | 1023 << 16, 0, 0, 0);
            assertEquals(2, MemorySegment.ofArray(log).get(ValueLayout.JAVA_INT_UNALIGNED, 16));
            assertEquals(Nvme.INVALID_NAMESPACE, VhostUserNvme.status(h.admin(Nvme.ADMIN_IDENTIFY, 2,
                    Nvme.CNS_NAMESPACE, 0, 0, 0)));
            q2.submit(Nvme.IO_READ, 40, 2, buf, 0, 0, 0, 7);
            assertEquals(Nvme.INVALID_NAMESPACE, q2.await(40));
            q2.submit(Nvme.IO_READ, 41, 1, buf, 0, 0, 0, 7);
            assertEquals(Nvme.SUCCESS, q2.await(41), "namespace 1 goes on");
            q1.submit(Nvme.IO_READ, 42, 1, buf, 0, 0, 0, 7);
            assertEquals(Nvme.SUCCESS, q1.await(42));
        }
    }

    /**
     * Errors reach the NVMe guest with the status the error bdev injects (sct/sc) or, for a plain
     * failure, the media error of the command's direction; the commands after them succeed.
     */
    @Test
    void shouldCompleteWithTheStatusTheErrorBdevInjects() throws Exception {
        start("interrupt");
        ErrorModule errors = new ErrorModule(bdevs);
        errors.create(new Params("bdev_error_create", Map.of("base_name", "Malloc1")));
        nvme.addNamespace(new Params("vhost_nvme_controller_add_ns", new HashMap<>(Map.of("ctrlr", "nvme0",
                "bdev_name", "EE_Malloc1"))));
        try (VhostUserNvme h = connect()) {
            VhostUserNvme.IoQueue q = h.createQueuePair(1, 16);
            long buf = h.ram.allocate(4096, 4096);
            errors.inject(new Params("bdev_error_inject_error", Map.of("name", "EE_Malloc1", "io_type", "read",
                    "error_type", "failure", "num", 1L, "sct", 2L, "sc", 0x81L)));
            q.submit(Nvme.IO_READ, 1, 2, buf, 0, 0, 0, 7);
            assertEquals(Nvme.UNRECOVERED_READ_ERROR, q.await(1));
            errors.inject(new Params("bdev_error_inject_error", Map.of("name", "EE_Malloc1", "io_type", "write",
                    "error_type", "failure", "num", 1L, "sct", 0L, "sc", 6L)));
            q.submit(Nvme.IO_WRITE, 2, 2, buf, 0, 0, 0, 7);
            assertEquals(Nvme.INTERNAL_ERROR, q.await(2));
            errors.inject(new Params("bdev_error_inject_error", Map.of("name", "EE_Malloc1", "io_type", "all",
                    "error_type", "failure", "num", 1L))); // one of each type
            q.submit(Nvme.IO_WRITE, 3, 2, buf, 0, 0, 0, 7);
            assertEquals(Nvme.WRITE_FAULT, q.await(3));
            q.submit(Nvme.IO_READ, 4, 2, buf, 0, 0, 0, 7);
            assertEquals(Nvme.UNRECOVERED_READ_ERROR, q.await(4));
            q.submit(Nvme.IO_READ, 5, 2, buf, 0, 0, 0, 7);
            assertEquals(Nvme.SUCCESS, q.await(5), "the injections are used up");
        }
    }

    @Test
    void shouldMoveDataThroughSgls() throws Exception {
        start("interrupt");
        try (VhostUserNvme h = connect()) {
            byte[] ctrl = h.admin(Nvme.ADMIN_IDENTIFY, 0, Nvme.CNS_CONTROLLER, 0, 0, 0);
            assertEquals(1, MemorySegment.ofArray(ctrl).get(ValueLayout.JAVA_INT_UNALIGNED, 16 + 536) & 3, "SGLS");
            VhostUserNvme.IoQueue q = h.createQueuePair(1, 16);
            byte[] data = new byte[8192];
            new Random(4).nextBytes(data);
            // write from two scattered 4 KiB blocks through a Last Segment list
            long a = h.ram.allocate(4096, 4096);
            long b = h.ram.allocate(4096 * 3, 4096) + 8192;
            MemorySegment.copy(data, 0, h.ram.at(a, 4096), ValueLayout.JAVA_BYTE, 0, 4096);
            MemorySegment.copy(data, 4096, h.ram.at(b, 4096), ValueLayout.JAVA_BYTE, 0, 4096);
            long list = h.ram.allocate(64, 64);
            q.sglDescriptor(list, a, 4096, Nvme.SGL_DATA_BLOCK);
            q.sglDescriptor(list + 16, b, 4096, Nvme.SGL_DATA_BLOCK);
            q.submitSgl(Nvme.IO_WRITE, 1, 1, list, 32, Nvme.SGL_LAST_SEGMENT, 64, 0, 15);
            assertEquals(Nvme.SUCCESS, q.await(1));
            // read back into one buffer through a Segment that chains to a Last Segment
            long back = h.ram.allocate(8192, 4096);
            long seg1 = h.ram.allocate(64, 64);
            long seg2 = h.ram.allocate(64, 64);
            q.sglDescriptor(seg1, back, 4096, Nvme.SGL_DATA_BLOCK);
            q.sglDescriptor(seg1 + 16, seg2, 16, Nvme.SGL_LAST_SEGMENT);
            q.sglDescriptor(seg2, back + 4096, 4096, Nvme.SGL_DATA_BLOCK);
            q.submitSgl(Nvme.IO_READ, 2, 1, seg1, 32, Nvme.SGL_SEGMENT, 64, 0, 15);
            assertEquals(Nvme.SUCCESS, q.await(2));
            assertArrayEquals(data, h.ram.at(back, 8192).toArray(ValueLayout.JAVA_BYTE));
            q.submitSgl(Nvme.IO_READ, 3, 1, back, 8192, Nvme.SGL_DATA_BLOCK, 64, 0, 15);
            assertEquals(Nvme.SUCCESS, q.await(3), "one data block");
            // bad SGLs
            q.submitSgl(Nvme.IO_READ, 4, 1, back, 8192, Nvme.SGL_BIT_BUCKET, 64, 0, 15);
            assertEquals(Nvme.SGL_TYPE_INVALID, q.await(4));
            q.submitSgl(Nvme.IO_READ, 5, 1, back, 4096, Nvme.SGL_DATA_BLOCK, 64, 0, 15);
            assertEquals(Nvme.DATA_SGL_LENGTH_INVALID, q.await(5), "8 KiB into 4 KiB");
            q.submitSgl(Nvme.IO_READ, 6, 1, 1L << 40, 8192, Nvme.SGL_DATA_BLOCK, 64, 0, 15);
            assertEquals(Nvme.DATA_TRANSFER_ERROR, q.await(6));
            q.sglDescriptor(seg1 + 16, seg1, 32, Nvme.SGL_SEGMENT); // a list that chains to itself
            q.submitSgl(Nvme.IO_READ, 7, 1, seg1, 32, Nvme.SGL_SEGMENT, 64, 0, 15);
            int s = q.await(7);
            assertTrue(s == Nvme.INVALID_SGL_COUNT || s == Nvme.INVALID_SGL_DESCRIPTOR, "status 0x" + Integer.toHexString(s));
        }
    }

    /** A guest driver's admin queue pair in guest memory: {SQ tail, CQ head}, both 32 entries. */
    private static final class AdminQueue {
        final long asq;
        final long acq;
        int sqTail;
        int cqHead;

        AdminQueue(VhostUserNvme h) {
            asq = h.ram.allocate(32L * 64, 4096);
            acq = h.ram.allocate(32L * 16, 4096);
        }

        /** Queues a command and rings the admin SQ tail doorbell; returns its command id. */
        int post(NvmeBar0 bar, VhostUserNvme h, int opcode, int nsid, int cdw10, int cdw11, long prp1) throws Exception {
            int cid = 100 + sqTail;
            Sqe.write(h.ram.at(asq, 32L * 64), sqTail * 64L, opcode, cid, nsid, prp1, 0, cdw10, cdw11, 0);
            sqTail = (sqTail + 1) % 32;
            bar.write32(Registers.sqTailDoorbell(0), sqTail);
            return cid;
        }

        /** Waits for the next completion; returns {cid, status, dw0}. */
        int[] next(NvmeBar0 bar, VhostUserNvme h) throws Exception {
            MemorySegment cq = h.ram.at(acq, 32L * 16);
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (!Cqe.phase(cq, cqHead * 16L)) {
                assertTrue(System.nanoTime() < deadline, "no admin completion");
                Thread.sleep(1);
            }
            int[] c = {Cqe.cid(cq, cqHead * 16L), Cqe.status(cq, cqHead * 16L), Cqe.dw0(cq, cqHead * 16L)};
            cqHead = (cqHead + 1) % 32;
            bar.write32(Registers.cqHeadDoorbell(0), cqHead);
            return c;
        }

        int run(NvmeBar0 bar, VhostUserNvme h, int opcode, int nsid, int cdw10, int cdw11, long prp1) throws Exception {
            int cid = post(bar, h, opcode, nsid, cdw10, cdw11, prp1);
            int[] c = next(bar, h);
            assertEquals(cid, c[0]);
            return c[1];
        }
    }

    @Test
    void aGuestDriverBringsTheControllerUpThroughBar0AndTheAdminQueue() throws Exception {
        start("interrupt");
        try (VhostUserNvme h = new VhostUserNvme(dir.resolve("nvme0"))) {
            NvmeBar0 bar = new NvmeBar0(h);
            assertEquals(NvmeDevice.MAX_QUEUE_ENTRIES, Nvme.maxQueueEntries(bar.read64(Registers.CAP)));
            assertEquals(0x00010400, bar.read32(Registers.VS));
            // Linux's nvme_pci_configure_admin_queue: disable, program AQA/ASQ/ACQ, enable, wait for RDY
            bar.write32(Registers.CC, 0);
            assertEquals(0, bar.read32(Registers.CSTS) & Registers.CSTS_RDY);
            AdminQueue admin = new AdminQueue(h);
            bar.write32(Registers.AQA, 31 | 31 << 16);
            bar.write64(Registers.ASQ, admin.asq);
            bar.write64(Registers.ACQ, admin.acq);
            bar.write32(Registers.CC, Registers.CC_EN | 6 << 16 | 4 << 20);
            assertEquals(Registers.CSTS_RDY, bar.read32(Registers.CSTS) & Registers.CSTS_RDY);
            long page = h.ram.allocate(4096, 4096);
            assertEquals(Nvme.SUCCESS, admin.run(bar, h, Nvme.ADMIN_IDENTIFY, 0, Nvme.CNS_CONTROLLER, 0, page));
            assertTrue(new String(h.ram.at(page + Identify.MN, 22).toArray(ValueLayout.JAVA_BYTE),
                    StandardCharsets.US_ASCII).startsWith("jvhost NVMe controller"), "Identify data in guest memory");
            assertEquals(Nvme.SUCCESS, admin.run(bar, h, Nvme.ADMIN_SET_FEATURES, 0, Nvme.FEAT_NUMBER_OF_QUEUES,
                    1 | 1 << 16, 0));
            long sq = h.ram.allocate(64L * 64, 4096);
            long cq = h.ram.allocate(64L * 16, 4096);
            assertEquals(Nvme.SUCCESS, admin.run(bar, h, Nvme.ADMIN_CREATE_CQ, 0, 1 | 63 << 16, 3, cq));
            assertEquals(Nvme.SUCCESS, admin.run(bar, h, Nvme.ADMIN_CREATE_SQ, 0, 1 | 63 << 16, 1 | 1 << 16, sq));
            // Linux posts an Asynchronous Event Request right after start; the hypervisor holds it
            int aer = admin.post(bar, h, Nvme.ADMIN_ASYNC_EVENT_REQUEST, 0, 0, 0, 0);
            VhostUserNvme.IoQueue q = h.attachQueuePair(1, 64, sq, cq);
            long buf = h.ram.allocate(4096, 4096);
            h.ram.at(buf, 4096).fill((byte) 0x3C);
            q.submit(Nvme.IO_WRITE, 1, 1, buf, 0, 0, 0, 7);
            assertEquals(Nvme.SUCCESS, q.await(1));
            h.ram.at(buf, 4096).fill((byte) 0);
            q.submit(Nvme.IO_READ, 2, 1, buf, 0, 0, 0, 7);
            assertEquals(Nvme.SUCCESS, q.await(2));
            assertEquals(0x3C, h.ram.at(buf, 1).get(ValueLayout.JAVA_BYTE, 0));
            // a namespace added now completes the held AER: Notice, namespace attribute changed, log page 04h
            nvme.addNamespace(new Params("vhost_nvme_controller_add_ns", new HashMap<>(Map.of("ctrlr", "nvme0",
                    "bdev_name", "Malloc1"))));
            int[] event = admin.next(bar, h);
            assertEquals(aer, event[0]);
            assertEquals(Nvme.SUCCESS, event[1]);
            assertEquals(0x02, event[2] & 0x7, "asynchronous event type: notice");
            assertEquals(Nvme.LOG_CHANGED_NAMESPACES, (event[2] >>> 16) & 0xFF);
            assertEquals(Nvme.SUCCESS, admin.run(bar, h, Nvme.ADMIN_GET_LOG_PAGE, 0xFFFFFFFF,
                    Nvme.LOG_CHANGED_NAMESPACES | 1023 << 16, 0, page));
            assertEquals(2, h.ram.at(page, 4).get(ValueLayout.JAVA_INT_UNALIGNED, 0), "namespace 2 changed");
            // disabling the controller deletes its I/O queues
            bar.write32(Registers.CC, 0);
            assertEquals(0, bar.read32(Registers.CSTS) & Registers.CSTS_RDY);
        }
    }

    @Test
    void shouldSaveControllersWithTheirNamespaces() {
        start("interrupt");
        nvme.addNamespace(new Params("vhost_nvme_controller_add_ns", new HashMap<>(Map.of("ctrlr", "nvme0",
                "bdev_name", "Malloc1"))));
        List<Map<String, Object>> saved = nvme.config();
        assertEquals(3, saved.size());
        assertEquals("vhost_create_nvme_controller", saved.get(0).get("method"));
        assertEquals(Map.of("ctrlr", "nvme0", "bdev_name", "Malloc1"), saved.get(2).get("params"));
    }
}
