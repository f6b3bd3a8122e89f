package io.jvhost.vhostblk.internal;

import static io.jvhost.frontend.BlkRequests.S_OK;
import static io.jvhost.frontend.BlkRequests.T_IN;
import static io.jvhost.frontend.BlkRequests.T_OUT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jvhost.frontend.BlkQueue;
import io.jvhost.frontend.DriverQueue;
import io.jvhost.frontend.HostileDriver;
import io.jvhost.frontend.VhostUserBlkDisk;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A guest that turns hostile: one session on a reactor writes a broken ring into its shared memory
 * while another session on the same reactor runs a write-and-verify load. The broken queue must stop
 * with a log line naming the controller, the session, the queue and what was wrong; the other session's data must
 * verify throughout; and the reactor must go back to sleep rather than spin on the broken ring.
 */
class HostileRingTest {
    private static final long TIMEOUT = TimeUnit.SECONDS.toNanos(10);
    private static final long BLOCKS = TwoBlkControllers.BLOCKS;

    @org.junit.jupiter.api.io.TempDir
    Path dir;
    private TwoBlkControllers tenants;
    private final ByteArrayOutputStream log = new ByteArrayOutputStream();
    private PrintStream stderr;

    @BeforeEach
    void setUp() {
        stderr = System.err;
        // slf4j-simple looks System.err up per line: tee it to read the target's log
        System.setErr(new PrintStream(new OutputStream() {
            @Override
            public void write(int b) {
                stderr.write(b);
                synchronized (log) {
                    log.write(b);
                }
            }

            @Override
            public void write(byte[] b, int off, int len) {
                stderr.write(b, off, len);
                synchronized (log) {
                    log.write(b, off, len);
                }
            }
        }, true));
        tenants = new TwoBlkControllers("hostile", dir);
    }

    @AfterEach
    void tearDown() {
        tenants.close();
        System.setErr(stderr);
    }

    @ParameterizedTest
    @EnumSource(HostileDriver.class)
    void aHostileRingStopsOnlyItsOwnQueue(HostileDriver hostile) throws Exception {
        try (VhostUserBlkDisk good = tenants.connect(0); VhostUserBlkDisk bad = tenants.connect(1)) {
            AtomicLong verified = new AtomicLong();
            AtomicReference<Throwable> loadFailure = new AtomicReference<>();
            Thread load = new Thread(() -> verifyLoad(good.queue(0), verified, loadFailure, 2_000));
            load.start();
            while (verified.get() < 10 && load.isAlive()) {
                Thread.sleep(1);
            }
            DriverQueue ring = (DriverQueue) bad.queue(0).ring();
            int usedBefore = ring.usedAvailable();
            assertTrue(hostile.apply(bad.frontend(), ring), "the back-end must refuse the broken layout");
            String expected = hostile.refusedAtSetUp()
                    ? "controller vhost.1 session 1: SET_VRING_ADDR failed: queue 0: " + hostile.reason()
                            + " (0x"
                    : "controller vhost.1 session 1 queue 0: malformed request after 0 in this batch: "
                            + hostile.reason();
            long deadline = System.nanoTime() + TIMEOUT;
            while (!logged(expected) && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertTrue(logged(expected), "the target must log: " + expected);
            load.join();
            assertEquals(null, loadFailure.get(), "the other session's verify load");
            assertTrue(verified.get() > 20, "the other session kept being served: " + verified.get() + " verified");
            assertEquals(usedBefore, ring.usedAvailable(), "nothing is completed from a broken ring");
            // the broken queue sleeps: over half a second the reactor thread uses a small part of it
            long cpu = tenants.reactorCpuNanos();
            Thread.sleep(500);
            long used = tenants.reactorCpuNanos() - cpu;
            assertTrue(used < TimeUnit.MILLISECONDS.toNanos(100), "the reactor spun on a broken ring: "
                    + used / 1_000_000 + " ms of CPU in 500 ms");
        }
    }

    /** Writes random blocks and reads them back until {@code millis} passed; any mismatch fails. */
    private static void verifyLoad(BlkQueue q, AtomicLong verified, AtomicReference<Throwable> failure, long millis) {
        Random random = new Random(42);
        byte[] data = new byte[4096];
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        try {
            while (System.nanoTime() < end) {
                long sector = 8L * random.nextInt((int) (BLOCKS / 8));
                random.nextBytes(data);
                int slot = q.nextSlot();
                MemorySegment.copy(data, 0, q.data(slot), ValueLayout.JAVA_BYTE, 0, data.length);
                assertEquals(S_OK, q.execute(T_OUT, sector, data.length, TIMEOUT), "write at sector " + sector);
                slot = q.nextSlot();
                q.data(slot).fill((byte) 0);
                assertEquals(S_OK, q.execute(T_IN, sector, data.length, TIMEOUT), "read at sector " + sector);
                byte[] back = q.data(slot).asSlice(0, data.length).toArray(ValueLayout.JAVA_BYTE);
                assertTrue(Arrays.equals(data, back), "data read back at sector " + sector);
                verified.incrementAndGet();
            }
        } catch (Throwable t) {
            failure.set(t);
        }
    }

    private boolean logged(String line) {
        synchronized (log) {
            return log.toString(StandardCharsets.UTF_8).contains(line);
        }
    }
}
