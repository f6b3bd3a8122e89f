package io.jvhost.vhostblk.internal;

import static io.jvhost.frontend.BlkRequests.S_OK;
import static io.jvhost.frontend.BlkRequests.T_IN;
import static io.jvhost.frontend.BlkRequests.T_OUT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jvhost.bdev.IoType;
import io.jvhost.bdev.core.internal.BdevRegistryImpl;
import io.jvhost.bdev.malloc.internal.MallocBackend;
import io.jvhost.bdev.spi.BdevSpec;
import io.jvhost.config.Params;
import io.jvhost.frontend.BlkQueue;
import io.jvhost.frontend.ClosedFdProbe;
import io.jvhost.frontend.VhostUserBlkDisk;
import io.jvhost.posix.EventFd;
import io.jvhost.reactor.CpuMask;
import io.jvhost.reactor.Reactors;
import io.jvhost.vhostuser.internal.ControllerRegistry;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Socket messages that change what a running queue's reactor uses (its call eventfd, the guest
 * memory map) race a steady I/O load: the reactor must never write into an fd after it was closed,
 * and every request must complete exactly once with its data intact.
 */
class SessionStateRaceTest {
    private static final int BLOCK = 4096;
    private static final long BLOCKS = 1024;
    private static final int SWAPS = 3000;

    @TempDir
    Path dir;
    private Reactors.ClosableReactorGroup reactors;
    private ControllerRegistry controllers;

    @AfterEach
    void tearDown() {
        if (controllers != null) {
            controllers.closeAll();
            reactors.close();
        }
    }

    @Test
    void shouldNeverSignalAClosedCallFdNorLoseARequestWhileCallFdsAndMemoryTablesChange() throws Exception {
        reactors = Reactors.start("race", CpuMask.of(0), "interrupt");
        BdevRegistryImpl bdevs = new BdevRegistryImpl();
        bdevs.register(new BdevSpec("Malloc0", null, "malloc", "Malloc disk", BLOCK, BLOCKS, 0,
                EnumSet.allOf(IoType.class), Map.of()), new MallocBackend(BLOCK * BLOCKS, BLOCK));
        controllers = new ControllerRegistry(reactors, dir);
        new BlkControllers(null, controllers, bdevs).create(new Params("vhost_create_blk_controller",
                new HashMap<>(Map.of("ctrlr", "vhost.0", "dev_name", "Malloc0"))));
        try (VhostUserBlkDisk disk = VhostUserBlkDisk.connect(dir.resolve("vhost.0"),
                VhostUserBlkDisk.Options.defaults().withQueues(1).withSlots(16, BLOCK));
                ClosedFdProbe probe = new ClosedFdProbe()) {
            BlkQueue q = disk.queue(0);
            AtomicBoolean stop = new AtomicBoolean();
            AtomicReference<Throwable> failure = new AtomicReference<>();
            long[] submitted = new long[1];
            AtomicLong completed = new AtomicLong();
            List<Boolean> progressed = new ArrayList<>();
            int[] generation = new int[q.slots()];
            Thread load = new Thread(() -> {
                try {
                    runLoad(q, stop, submitted, completed, generation);
                } catch (Throwable t) {
                    failure.set(t);
                }
            }, "race-load");
            load.start();
            EventFd previous = null;
            for (int i = 0; i < SWAPS && failure.get() == null; i++) {
                EventFd call = EventFd.create();
                disk.frontend().setCall(0, call); // acknowledged: the back-end has switched and let go of the old
                if (previous != null) {
                    previous.close();
                }
                previous = call;
                if (i % 10 == 0) {
                    disk.frontend().resendMemoryTable();
                }
                probe.takeFreedNumbers(2);
                if (i % 200 == 199) {
                    probe.sweep();
                    progressed.add(awaitProgress(completed));
                }
            }
            stop.set(true);
            load.join(TimeUnit.SECONDS.toMillis(30));
            if (previous != null) {
                previous.close();
            }
            assertNull(failure.get(), () -> "the I/O load failed: " + failure.get());
            assertEquals(submitted[0], completed.get(), "every request submitted completed once");
            assertTrue(progressed.stream().allMatch(p -> p), "requests completed between every 200 swaps: " + progressed);
            assertEquals(List.of(), probe.writesAfterClose(), "descriptors written after close");
            verifyLastWrites(q, generation);
        }
    }

    /** Waits up to 10 s for the load to complete more requests than {@code completed} shows now. */
    private static boolean awaitProgress(AtomicLong completed) throws InterruptedException {
        long before = completed.get();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (completed.get() == before && System.nanoTime() < deadline) {
            Thread.sleep(1);
        }
        return completed.get() > before;
    }

    /** Each slot writes its own block with a new generation, then reads it back, until told to stop. */
    private static void runLoad(BlkQueue q, AtomicBoolean stop, long[] submitted, AtomicLong completed,
            int[] generation) {
        int[] pendingType = new int[q.slots()];
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (!stop.get() || q.inFlight() > 0) {
            while (!stop.get() && q.nextSlot() >= 0) {
                int slot = q.nextSlot();
                boolean write = generation[slot] % 2 == 0;
                if (write) {
                    q.data(slot).set(ValueLayout.JAVA_INT, 0, generation[slot]);
                    q.data(slot).set(ValueLayout.JAVA_INT, 4, slot);
                } else {
                    q.data(slot).fill((byte) 0);
                }
                pendingType[slot] = write ? T_OUT : T_IN;
                q.submit(pendingType[slot], 8L * slot, BLOCK);
                submitted[0]++;
            }
            q.publish();
            completed.addAndGet(q.poll((slot, status, len) -> {
                assertEquals(S_OK, status, "slot " + slot);
                if (pendingType[slot] == T_IN) {
                    // the read follows this slot's last write: it must see exactly that generation
                    assertEquals(generation[slot] - 1, q.data(slot).get(ValueLayout.JAVA_INT, 0), "slot " + slot);
                    assertEquals(slot, q.data(slot).get(ValueLayout.JAVA_INT, 4));
                }
                generation[slot]++;
            }));
            if (System.nanoTime() > deadline) {
                throw new AssertionError(q.inFlight() + " requests never completed");
            }
        }
    }

    private static void verifyLastWrites(BlkQueue q, int[] generation) {
        for (int slot = 0; slot < q.slots(); slot++) {
            int lastWrite = generation[slot] % 2 == 1 ? generation[slot] - 1 : generation[slot] - 2;
            if (lastWrite < 0) {
                continue;
            }
            int s = q.nextSlot();
            q.data(s).fill((byte) 0);
            assertEquals(S_OK, q.execute(T_IN, 8L * slot, BLOCK, TimeUnit.SECONDS.toNanos(10)));
            assertEquals(lastWrite, q.data(s).get(ValueLayout.JAVA_INT, 0), "block of slot " + slot);
        }
    }
}
