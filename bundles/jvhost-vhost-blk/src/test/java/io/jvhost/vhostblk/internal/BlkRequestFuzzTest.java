package io.jvhost.vhostblk.internal;

import static io.jvhost.frontend.BlkRequests.S_IOERR;
import static io.jvhost.frontend.BlkRequests.S_OK;
import static io.jvhost.frontend.BlkRequests.S_UNSUPP;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.jvhost.bdev.IoType;
import io.jvhost.bdev.core.internal.BdevRegistryImpl;
import io.jvhost.bdev.malloc.internal.MallocBackend;
import io.jvhost.bdev.spi.BdevSpec;
import io.jvhost.config.Params;
import io.jvhost.frontend.DriverRing;
import io.jvhost.frontend.GuestRam;
import io.jvhost.frontend.VhostUserBlkDisk;
import io.jvhost.reactor.CpuMask;
import io.jvhost.reactor.Reactors;
import io.jvhost.virtio.Layouts;
import io.jvhost.vhostuser.internal.ControllerRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;

/**
 * Sends batches of fuzzer-written virtio-blk requests (any type, ioprio and sector, headers and data
 * cut over the chain's buffers at any point, any data and status lengths, discard and write-zeroes
 * ranges) through a real vhost-blk controller over a RAM disk. A finding is an exception, a request
 * that is not completed, a status other than OK, IOERR or UNSUPP, or a used length larger than the
 * chain's writable bytes. Chains are well formed here (the virtqueue target covers malformed ones),
 * so one controller and one front-end serve every input.
 */
class BlkRequestFuzzTest {
    private static final int BLOCK = 512, BLOCKS = 2048;
    private static final int SCRATCH = 64 * 1024;
    private static final Reactors.ClosableReactorGroup REACTORS = Reactors.start("fuzz", CpuMask.of(0), "backoff");
    private static final ControllerRegistry CONTROLLERS;
    private static final VhostUserBlkDisk DISK;
    private static final long SCRATCH_GPA;

    static {
        try {
            Path dir = Files.createTempDirectory("blk-fuzz");
            BdevRegistryImpl registry = new BdevRegistryImpl();
            registry.register(new BdevSpec("Malloc0", null, "malloc", "Malloc disk", BLOCK, BLOCKS, 0,
                    EnumSet.allOf(IoType.class), Map.of()), new MallocBackend((long) BLOCK * BLOCKS, BLOCK));
            CONTROLLERS = new ControllerRegistry(REACTORS, dir);
            new BlkControllers(null, CONTROLLERS, registry).create(new Params("vhost_create_blk_controller",
                    Map.of("ctrlr", "vhost.0", "dev_name", "Malloc0")));
            DISK = VhostUserBlkDisk.connect(dir.resolve("vhost.0"), VhostUserBlkDisk.Options.defaults().withSlots(1, 4096));
            SCRATCH_GPA = DISK.ram().allocate(SCRATCH, 4096);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @AfterAll
    static void close() {
        DISK.close();
        CONTROLLERS.closeAll();
        REACTORS.close();
    }

    @FuzzTest(maxDuration = "30s")
    void requests(FuzzedDataProvider data) {
        GuestRam ram = DISK.ram();
        DriverRing ring = DISK.queue(0).ring();
        int requests = data.consumeInt(1, Math.min(8, ring.size() / ring.maxChain()));
        long[] writable = new long[requests];
        long[] statusGpa = new long[requests];
        long next = SCRATCH_GPA;
        int sent = 0;
        for (int id = 0; id < requests && data.remainingBytes() > 0; id++, sent++) {
            int type = data.consumeInt(0, 15) == 0 ? data.consumeInt() : pick(data, 0, 1, 4, 8, 11, 13);
            long sector = data.consumeBoolean() ? data.consumeLong(0, BLOCKS * (BLOCK / 512L) + 8) : data.consumeLong();
            byte[] payload = data.consumeBytes(data.consumeInt(0, 2048)); // data, or discard/write-zeroes ranges
            // layout: [header (+payload)] [payload | data-in] [status], cut at fuzzer-chosen points
            int dataIn = data.consumeInt(0, 4096);
            boolean separatePayload = data.consumeBoolean();
            int statusLen = data.consumeInt(0, 3) == 0 ? data.consumeInt(0, 16) : 1;
            long[] gpa = new long[3];
            int[] len = new int[3];
            boolean[] writes = new boolean[3];
            int n = 0;
            int headerLen = separatePayload ? 16 : 16 + payload.length;
            long at = next;
            MemorySegment h = ram.at(at, headerLen);
            h.set(Layouts.U32, 0, type);
            h.set(Layouts.U32, 4, data.consumeInt());
            h.set(Layouts.U64, 8, sector);
            if (!separatePayload) {
                MemorySegment.copy(payload, 0, h, ValueLayout.JAVA_BYTE, 16, payload.length);
            }
            gpa[n] = at;
            len[n++] = data.consumeInt(0, 15) == 0 ? data.consumeInt(0, headerLen) : headerLen;
            at += align(headerLen);
            if (separatePayload && payload.length > 0) {
                MemorySegment.copy(payload, 0, ram.at(at, payload.length), ValueLayout.JAVA_BYTE, 0, payload.length);
                gpa[n] = at;
                len[n++] = payload.length;
                at += align(payload.length);
            } else if (dataIn > 0) {
                gpa[n] = at;
                writes[n] = true;
                len[n++] = dataIn;
                writable[id] += dataIn;
                at += align(dataIn);
            }
            if (statusLen > 0) {
                ram.at(at, statusLen).fill((byte) 0xEE);
                statusGpa[id] = at + statusLen - 1; // the status is the chain's last byte
                gpa[n] = at;
                writes[n] = true;
                len[n++] = statusLen;
                writable[id] += statusLen;
                at += align(statusLen);
            } else {
                statusGpa[id] = -1;
            }
            next = at;
            ring.add(id, gpa, len, writes, n);
        }
        if (sent == 0) {
            return;
        }
        ring.publish();
        int[] done = new int[sent];
        long[] usedLen = new long[sent];
        int[] reaped = {0};
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (reaped[0] < sent) {
            ring.reap((id, length) -> {
                done[id]++;
                usedLen[id] = Integer.toUnsignedLong(length);
                reaped[0]++;
            });
            assertTrue(System.nanoTime() < deadline, reaped[0] + " of " + sent + " requests completed");
        }
        for (int id = 0; id < sent; id++) {
            assertTrue(done[id] == 1, "request " + id + " completed " + done[id] + " times");
            assertTrue(usedLen[id] <= writable[id], "used length " + usedLen[id] + " > " + writable[id] + " writable");
            if (statusGpa[id] >= 0 && usedLen[id] > 0) {
                int status = ram.at(statusGpa[id], 1).get(ValueLayout.JAVA_BYTE, 0) & 0xFF;
                assertTrue(status == S_OK || status == S_IOERR || status == S_UNSUPP || status == 0xEE,
                        "status " + status + " of request " + id);
            }
        }
    }

    private static int pick(FuzzedDataProvider data, int... values) {
        return values[data.consumeInt(0, values.length - 1)];
    }

    private static long align(long bytes) {
        return (bytes + 63) & -64L;
    }
}
