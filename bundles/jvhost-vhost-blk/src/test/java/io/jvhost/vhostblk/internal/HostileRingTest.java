package io.jvhost.vhostblk.internal;

import static io.jvhost.frontend.BlkRequests.S_OK;
import static io.jvhost.frontend.BlkRequests.T_IN;
import static io.jvhost.frontend.BlkRequests.T_OUT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jvhost.frontend.BlkQueue;
import io.jvhost.frontend.DriverQueue;
import io.jvhost.frontend.GuestRam;
import io.jvhost.frontend.VhostUserBlkDisk;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.management.ManagementFactory;
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
    private static final int F_NEXT = DriverQueue.F_NEXT, F_WRITE = DriverQueue.F_WRITE,
            F_INDIRECT = DriverQueue.F_INDIRECT;

    /** What the hostile driver writes, and the reason the target must log. */
    enum Hostile {
        DESCRIPTOR_LOOP("descriptor loop or chain longer than the ring"),
        CHAIN_LONGER_THAN_THE_QUEUE("descriptor loop or chain longer than the ring"),
        INDIRECT_INSIDE_INDIRECT("indirect table inside an indirect table"),
        LENGTH_THAT_OVERFLOWS("buffer outside guest memory"),
        ADDRESS_OUTSIDE_EVERY_REGION("buffer outside guest memory"),
        AVAIL_INDEX_JUMP("the available index moved by more than the ring size");

        final String logged;

        Hostile(String logged) {
            this.logged = logged;
        }
    }

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
    @EnumSource(Hostile.class)
    void aHostileRingStopsOnlyItsOwnQueue(Hostile hostile) throws Exception {
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
            writeHostileRing(hostile, ring, bad.ram());
            ring.kick();
            String expected = "controller vhost.1 session 1 queue 0: malformed request after 0 in this batch: "
                    + hostile.logged;
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
            long cpu = reactorCpuNanos();
            Thread.sleep(500);
            long used = reactorCpuNanos() - cpu;
            assertTrue(used < TimeUnit.MILLISECONDS.toNanos(100), "the reactor spun on a broken ring: "
                    + used / 1_000_000 + " ms of CPU in 500 ms");
        }
    }

    private void writeHostileRing(Hostile hostile, DriverQueue ring, GuestRam ram) {
        long buf = ram.allocate(4096, 4096);
        int size = ring.size();
        switch (hostile) {
            case DESCRIPTOR_LOOP -> {
                ring.descriptor(0, buf, 16, F_NEXT, 1);
                ring.descriptor(1, buf + 16, 512, F_NEXT, 0); // readable both: the walk meets the loop
                ring.offer(0);
            }
            case CHAIN_LONGER_THAN_THE_QUEUE -> {
                for (int i = 0; i < size; i++) {
                    ring.descriptor(i, buf, 16, F_NEXT, (i + 1) % size);
                }
                ring.offer(0);
            }
            case INDIRECT_INSIDE_INDIRECT -> {
                long table = ram.allocate(64, 16);
                ram.at(table, 16).set(ValueLayout.JAVA_LONG_UNALIGNED, 0, table + 32);
                ram.at(table, 16).set(ValueLayout.JAVA_INT_UNALIGNED, 8, 16);
                ram.at(table, 16).set(ValueLayout.JAVA_SHORT_UNALIGNED, 12, (short) F_INDIRECT);
                ring.descriptor(0, table, 32, F_INDIRECT, 0);
                ring.offer(0);
            }
            case LENGTH_THAT_OVERFLOWS -> {
                ring.descriptor(0, buf, 16, F_NEXT, 1);
                ring.descriptor(1, -4096L, 0x10000, F_NEXT | F_WRITE, 2); // wraps past 2^64
                ring.descriptor(2, buf + 16, 1, F_WRITE, 0);
                ring.offer(0);
            }
            case ADDRESS_OUTSIDE_EVERY_REGION -> {
                ring.descriptor(0, ram.base() + ram.size() + (1 << 20), 16, 0, 0);
                ring.offer(0);
            }
            case AVAIL_INDEX_JUMP -> ring.forceAvailIdx(ring.availIdx() + size + 7);
        }
        if (hostile != Hostile.AVAIL_INDEX_JUMP) {
            ring.forceAvailIdx(ring.availIdx());
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

    private static long reactorCpuNanos() {
        var threads = ManagementFactory.getThreadMXBean();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().equals("hostile-reactor-0")) {
                return threads.getThreadCpuTime(t.threadId());
            }
        }
        throw new AssertionError("no reactor thread hostile-reactor-0");
    }
}
