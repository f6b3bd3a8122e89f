package io.jvhost.vhostblk.internal;

import static io.jvhost.frontend.BlkRequests.T_IN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jvhost.bdev.core.internal.BdevRegistryImpl;
import io.jvhost.bdev.core.internal.RateLimits;
import io.jvhost.frontend.BlkQueue;
import io.jvhost.frontend.VhostUserBlkDisk;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two guests on one reactor, one of them on a bdev limited to 5000 I/O per second: the limited one
 * gets that rate (within 5%) while the other is not held back. This checks what the limit enforces,
 * a count over a measured window; how fast the unlimited guest is depends on the machine and is only
 * required to be far above the limit.
 */
class QosTest {
    private static final long BLOCKS = TwoBlkControllers.BLOCKS;
    private static final long LIMIT = 5000;

    @TempDir
    Path dir;
    private TwoBlkControllers tenants;
    private BdevRegistryImpl registry;

    @BeforeEach
    void setUp() {
        tenants = new TwoBlkControllers("qos", dir);
        registry = tenants.registry;
    }

    @AfterEach
    void tearDown() {
        tenants.close();
    }

    @Test
    void aLimitedGuestGetsItsLimitAndTheOtherKeepsItsRate() throws Exception {
        registry.setRateLimits("Malloc1", new RateLimits(LIMIT, 0, 0, 0));
        try (VhostUserBlkDisk free = tenants.connect(0); VhostUserBlkDisk limited = tenants.connect(1)) {
            long[] rate = new long[2];
            Thread a = new Thread(() -> rate[0] = readRate(free.queue(0)));
            Thread b = new Thread(() -> rate[1] = readRate(limited.queue(0)));
            a.start();
            b.start();
            a.join();
            b.join();
            assertTrue(Math.abs(rate[1] - LIMIT) <= LIMIT / 20, "limited guest: " + rate[1] + " IOPS, limit " + LIMIT);
            assertTrue(rate[0] > 4 * LIMIT, "unlimited guest on the same reactor: " + rate[0] + " IOPS");
        }
        // removing the limit lets the guest run free again
        registry.setRateLimits("Malloc1", RateLimits.NONE);
        try (VhostUserBlkDisk again = reconnect()) {
            long r = readRate(again.queue(0));
            assertTrue(r > 4 * LIMIT, "after the limit was removed: " + r + " IOPS");
        }
        assertEquals(Map.of("rw_ios_per_sec", 0L, "rw_mbytes_per_sec", 0L, "r_mbytes_per_sec", 0L,
                "w_mbytes_per_sec", 0L), RateLimits.NONE.describe());
    }

    @Test
    void aThrottledGuestLetsTheReactorSleepUntilTheNextSlice() throws Exception {
        registry.setRateLimits("Malloc1", new RateLimits(LIMIT, 0, 0, 0));
        try (VhostUserBlkDisk limited = tenants.connect(1)) {
            long cpu = tenants.reactorCpuNanos();
            long start = System.nanoTime();
            long rate = readRate(limited.queue(0));
            double share = (tenants.reactorCpuNanos() - cpu) / (double) (System.nanoTime() - start);
            assertTrue(Math.abs(rate - LIMIT) <= LIMIT / 20, "limited guest: " + rate + " IOPS, limit " + LIMIT);
            // every slot waits for the limit all the time: polling until each slice would take the whole core
            assertTrue(share < 0.5, String.format("the reactor spun while requests waited for the QoS limit: %.0f%%"
                    + " of a core", 100 * share));
        }
    }

    /** Connects once the controller's previous session has ended (it takes one front-end at a time). */
    private VhostUserBlkDisk reconnect() throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            try {
                return tenants.connect(1);
            } catch (RuntimeException | java.io.IOException refused) {
                if (System.nanoTime() > deadline) {
                    throw refused;
                }
                Thread.sleep(20);
            }
        }
    }

    /** 4 KiB reads with every slot in flight; completions per second over 2 s after 0.5 s of warm-up. */
    private static long readRate(BlkQueue q) {
        long warm = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(500);
        long end = warm + TimeUnit.SECONDS.toNanos(2);
        long counted = 0;
        long[] done = {0};
        long sector = 0;
        while (true) {
            while (q.submit(T_IN, (sector += 8) % (BLOCKS - 8), 4096) >= 0) {
                // fill every free slot
            }
            q.publish();
            long before = done[0];
            q.poll((slot, status, len) -> done[0] += status == 0 ? 1 : 0);
            long now = System.nanoTime();
            if (now >= warm && now < end) {
                counted += done[0] - before;
            } else if (now >= end) {
                return counted / 2;
            }
            if (done[0] == before) {
                // let the reactor have the core: on two cores two guests spinning would starve it
                java.util.concurrent.locks.LockSupport.parkNanos(20_000);
            }
        }
    }
}
