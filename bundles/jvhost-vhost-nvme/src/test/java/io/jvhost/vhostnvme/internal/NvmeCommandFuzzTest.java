package io.jvhost.vhostnvme.internal;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.jvhost.bdev.IoType;
import io.jvhost.bdev.core.internal.BdevRegistryImpl;
import io.jvhost.bdev.malloc.internal.MallocBackend;
import io.jvhost.bdev.spi.BdevSpec;
import io.jvhost.config.Params;
import io.jvhost.frontend.VhostUserNvme;
import io.jvhost.nvme.Nvme;
import io.jvhost.reactor.CpuMask;
import io.jvhost.reactor.Reactors;
import io.jvhost.vhostuser.internal.ControllerRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;

/**
 * Sends fuzzer-written NVMe commands to a real vhost-nvme controller over RAM-disk namespaces:
 * admin commands through the hypervisor's forwarding message, I/O commands as raw 64-byte entries in
 * an I/O submission queue, with PRP1/PRP2, PRP lists and SGL segments that point into guest memory,
 * at its edges or anywhere. A finding is an exception, an admin command without a completion, an I/O
 * command that is not completed exactly once, or a completion with a command id that was not sent.
 */
class NvmeCommandFuzzTest {
    private static final int BS = 512, BLOCKS = 2048, QUEUE = 32, PAGES = 16;
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    /** Admin commands left out: queue changes on queue 1 (the queue this test drives), the event
     *  request the controller holds until an event, and the doorbell buffer that changes how the
     *  front-end must ring. */
    private static final int[] HELD_BACK = {Nvme.ADMIN_ASYNC_EVENT_REQUEST, Nvme.ADMIN_DOORBELL_BUFFER_CONFIG};
    private static final Reactors.ClosableReactorGroup REACTORS = Reactors.start("fuzz", CpuMask.of(0), "backoff");
    private static final ControllerRegistry CONTROLLERS;
    private static final VhostUserNvme HOST;
    private static final VhostUserNvme.IoQueue IO;
    private static final long SCRATCH;

    static {
        try {
            Path dir = Files.createTempDirectory("nvme-fuzz");
            BdevRegistryImpl bdevs = new BdevRegistryImpl();
            bdevs.register(new BdevSpec("Malloc0", null, "malloc", "Malloc disk", BS, BLOCKS, 0,
                    EnumSet.allOf(IoType.class), Map.of()), new MallocBackend((long) BS * BLOCKS, BS));
            CONTROLLERS = new ControllerRegistry(REACTORS, dir);
            NvmeControllers nvme = new NvmeControllers(null, CONTROLLERS, bdevs, REACTORS);
            nvme.create(new Params("vhost_create_nvme_controller", new HashMap<>(Map.of("ctrlr", "nvme0",
                    "io_queues", 4))));
            nvme.addNamespace(new Params("vhost_nvme_controller_add_ns", new HashMap<>(Map.of("ctrlr", "nvme0",
                    "bdev_name", "Malloc0"))));
            HOST = new VhostUserNvme(dir.resolve("nvme0"));
            HOST.enable(true);
            IO = HOST.createQueuePair(1, QUEUE);
            SCRATCH = HOST.ram.allocate(PAGES * 4096L, 4096);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @AfterAll
    static void close() {
        HOST.close();
        CONTROLLERS.closeAll();
        REACTORS.close();
    }

    @FuzzTest(maxDuration = "30s")
    void commands(FuzzedDataProvider data) throws IOException {
        // the fuzzer's bytes in the scratch pages: data, PRP lists and SGL segments
        byte[] fill = data.consumeBytes(data.consumeInt(0, 1024));
        MemorySegment.copy(fill, 0, HOST.ram.at(SCRATCH + 4096L * data.consumeInt(0, PAGES - 1), 1024),
                ValueLayout.JAVA_BYTE, 0, Math.min(fill.length, 1024));
        if (data.consumeBoolean()) {
            admin(data);
            return;
        }
        int n = data.consumeInt(1, QUEUE / 2);
        int[] completed = new int[n];
        for (int cid = 0; cid < n; cid++) {
            IO.submitRaw(sqe(data, cid, false));
        }
        int seen = 0;
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (seen < n) {
            int[] done = IO.reap();
            if (done == null) {
                assertTrue(System.nanoTime() < deadline, seen + " of " + n + " I/O commands completed");
                Thread.onSpinWait();
                continue;
            }
            assertTrue(done[0] >= 0 && done[0] < n, "completion for command id " + done[0] + ", never sent");
            completed[done[0]]++;
            seen++;
        }
        for (int cid = 0; cid < n; cid++) {
            assertTrue(completed[cid] == 1, "command " + cid + " completed " + completed[cid] + " times");
        }
    }

    private static void admin(FuzzedDataProvider data) throws IOException {
        byte[] sqe = sqe(data, 0x1000, true);
        int opcode = sqe[0] & 0xFF;
        for (int held : HELD_BACK) {
            if (opcode == held) {
                return;
            }
        }
        MemorySegment s = MemorySegment.ofArray(sqe);
        if (opcode == Nvme.ADMIN_DELETE_SQ || opcode == Nvme.ADMIN_CREATE_SQ || opcode == Nvme.ADMIN_DELETE_CQ
                || opcode == Nvme.ADMIN_CREATE_CQ) {
            int qid = s.get(U32, 40) & 0xFFFF;
            if (qid == 1) {
                s.set(U32, 40, (s.get(U32, 40) & 0xFFFF0000) | 2); // leave the driven queue pair alone
            }
        }
        byte[] reply = HOST.forwardAdmin(sqe);
        assertTrue(reply.length >= 16, "admin reply of " + reply.length + " bytes");
    }

    /** A command: mostly a real opcode on namespace 1 with pointers into guest memory. */
    private static byte[] sqe(FuzzedDataProvider data, int cid, boolean admin) {
        byte[] sqe = new byte[Nvme.SQE_BYTES];
        MemorySegment s = MemorySegment.ofArray(sqe);
        int opcode = data.consumeInt(0, 7) == 0 ? data.consumeInt(0, 255)
                : admin ? pick(data, 0x00, 0x01, 0x02, 0x04, 0x05, 0x06, 0x08, 0x09, 0x0A)
                        : pick(data, Nvme.IO_FLUSH, Nvme.IO_WRITE, Nvme.IO_READ, Nvme.IO_COMPARE,
                                Nvme.IO_WRITE_ZEROES, Nvme.IO_DATASET_MANAGEMENT);
        s.set(ValueLayout.JAVA_BYTE, 0, (byte) opcode);
        s.set(ValueLayout.JAVA_BYTE, 1, (byte) (data.consumeBoolean() ? 0x40 : data.consumeInt(0, 255) & 0xC3));
        s.set(ValueLayout.JAVA_SHORT_UNALIGNED, 2, (short) cid);
        s.set(U32, 4, data.consumeInt(0, 3) == 0 ? data.consumeInt() : 1);
        s.set(U64, 24, pointer(data));
        s.set(U64, 32, pointer(data));
        if (data.consumeBoolean()) {
            // an SGL descriptor in DPTR: address, length, type/subtype byte last
            s.set(U32, 32, data.consumeInt(0, 3) == 0 ? data.consumeInt() : data.consumeInt(0, 8192));
            s.set(ValueLayout.JAVA_BYTE, 39, (byte) (data.consumeInt(0, 5) << 4 | data.consumeInt(0, 3)));
        }
        s.set(U64, 40, data.consumeBoolean() ? data.consumeLong(0, BLOCKS + 8) : data.consumeLong());
        s.set(U32, 48, data.consumeInt(0, 3) == 0 ? data.consumeInt() : data.consumeInt(0, 63));
        for (int dw = 13; dw <= 15; dw++) {
            s.set(U32, 4L * dw, data.consumeInt());
        }
        return sqe;
    }

    /** A guest address: a scratch page (at an offset), its end, or any value. */
    private static long pointer(FuzzedDataProvider data) {
        return switch (data.consumeInt(0, 3)) {
            case 0 -> data.consumeLong();
            case 1 -> SCRATCH + PAGES * 4096L - data.consumeInt(0, 64);
            default -> SCRATCH + 4096L * data.consumeInt(0, PAGES - 1) + (data.consumeBoolean() ? 0 : 4 * data.consumeInt(0, 1023));
        };
    }

    private static int pick(FuzzedDataProvider data, int... values) {
        return values[data.consumeInt(0, values.length - 1)];
    }
}
