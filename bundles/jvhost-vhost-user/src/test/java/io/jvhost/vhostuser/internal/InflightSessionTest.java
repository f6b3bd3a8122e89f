package io.jvhost.vhostuser.internal;

import static io.jvhost.frontend.VhostUserConnection.u64;
import static io.jvhost.frontend.VhostUserConnection.vringState;
import static io.jvhost.frontend.VhostUserMessages.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jvhost.frontend.DriverQueue;
import io.jvhost.frontend.VhostUserConnection;
import io.jvhost.posix.Fd;
import io.jvhost.posix.Memory;
import io.jvhost.posix.Posix;
import io.jvhost.virtio.Layouts;
import io.jvhost.virtio.SplitInflight;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * GET_INFLIGHT_FD and SET_INFLIGHT_FD as QEMU sends them around a back-end restart: the region the
 * target hands out, the requests a previous process left in it served first and in counter order,
 * and regions that do not fit refused with the session going on and the queue starting clean.
 */
class InflightSessionTest {
    private static final int QUEUE = 16;
    @TempDir
    Path dir;
    private TestTarget t;
    private RecordingDevice device;
    private Path socket;

    @BeforeEach
    void setUp() {
        t = new TestTarget("inflight", dir);
        device = t.device;
        socket = t.socket;
    }

    @AfterEach
    void tearDown() {
        t.close();
    }

    private static byte[] inflightPayload(long size, int queues, int queueSize) {
        byte[] b = new byte[24];
        MemorySegment s = MemorySegment.ofArray(b);
        s.set(RawFrontEnd.U64, 0, size);
        s.set(Layouts.U16, 16, (short) queues);
        s.set(Layouts.U16, 18, (short) queueSize);
        return b;
    }

    /** Negotiation as QEMU's vhost-user-blk does it when the back-end offers inflight tracking. */
    private static RawFrontEnd connect(Path socket) throws IOException {
        RawFrontEnd f = new RawFrontEnd(socket);
        long offered = u64(f.c.call(GET_FEATURES, new byte[0]));
        long pf = u64(f.c.call(GET_PROTOCOL_FEATURES, new byte[0]));
        assertTrue((pf & (1L << PF_INFLIGHT_SHMFD)) != 0, "inflight tracking is offered");
        f.c.send(SET_PROTOCOL_FEATURES, 0, u64(pf & ((1L << PF_REPLY_ACK) | (1L << PF_MQ) | (1L << PF_INFLIGHT_SHMFD))));
        f.c.send(SET_OWNER, 0, new byte[0]);
        f.features = offered & ((1L << 32) | (1L << 30) | (1L << 29));
        assertEquals(0, f.ack(SET_FEATURES, u64(f.features)));
        return f;
    }

    /** Rings set up in the order QEMU uses, over a driver queue the test filled already. */
    private static void startRing(RawFrontEnd f, DriverQueue d, int base) throws IOException {
        assertEquals(0, f.ack(SET_VRING_NUM, vringState(0, QUEUE)));
        assertEquals(0, f.ack(SET_VRING_BASE, vringState(0, base)));
        assertEquals(0, f.ack(SET_VRING_ADDR, RawFrontEnd.vringAddr(0, f.ram.userAddress(d.descGpa()),
                f.ram.userAddress(d.usedGpa()), f.ram.userAddress(d.availGpa()))));
        assertEquals(0, f.ack(SET_VRING_KICK, u64(0), d.kickFd().fd()));
        assertEquals(0, f.ack(SET_VRING_CALL, u64(0), d.callFd().fd()));
        assertEquals(0, f.ack(SET_VRING_ENABLE, vringState(0, 1)));
    }

    @Test
    void shouldHandOutASealedRegionAndServeWhatAPreviousProcessLeftInFlightFirstOldestFirst() throws Exception {
        try (RawFrontEnd f = connect(socket)) {
            VhostUserConnection.Reply r = f.c.callForFds(GET_INFLIGHT_FD, inflightPayload(0, 1, QUEUE));
            assertEquals(1, r.fds().length, "the region comes as a memfd");
            long size = MemorySegment.ofArray(r.payload()).get(RawFrontEnd.U64, 0);
            assertEquals(SplitInflight.regionSize(QUEUE), size);
            try (Fd fd = new Fd(r.fds()[0])) {
                int seals = Posix.fcntl(fd.fd(), Memory.F_GET_SEALS, 0);
                assertTrue((seals & Memory.F_SEAL_SHRINK) != 0, "sealed against shrinking");
                MemorySegment region = Memory.mapShared(fd.fd(), size);
                assertEquals(1, region.get(Layouts.U16, 8), "version");
                assertEquals(QUEUE, region.get(Layouts.U16, 10), "desc_num");
                // what a killed target leaves: three requests taken (counters 7, 9, 8), none returned
                assertEquals(0, f.setMemTable());
                DriverQueue d = new DriverQueue(f.ram, 0, QUEUE, true);
                int[] heads = {4, 0, 2};
                long[] counters = {7, 9, 8};
                for (int i = 0; i < 3; i++) {
                    f.request(d, heads[i]);
                    region.set(ValueLayout.JAVA_BYTE, 16 + 16L * heads[i], (byte) 1);
                    region.set(RawFrontEnd.U64, 16 + 16L * heads[i] + 8, counters[i]);
                }
                d.publish();
                assertEquals(0, f.ack(SET_INFLIGHT_FD, inflightPayload(size, 1, QUEUE), fd.fd()));
                startRing(f, d, 0); // QEMU's base after a crash: the used index it found
                assertTrue(RawFrontEnd.awaitUsed(d, 3, 5000), "the three requests are served again");
                assertEquals(List.of("0:4:2:16:1", "0:2:2:16:1", "0:0:2:16:1"), List.copyOf(device.requests),
                        "served in counter order");
                for (int i = 0; i < 16 && SplitInflightCount.of(region, QUEUE) != 0; i++) {
                    Thread.sleep(10);
                }
                assertEquals(0, SplitInflightCount.of(region, QUEUE), "nothing left in flight");
                assertEquals(3, f.getVringBase(0));
                Memory.munmap(region);
            }
        }
    }

    @Test
    void shouldRefuseAnUnsealedRegionAndStartTheQueueClean() throws Exception {
        assertRefusedAndServedClean(Memory.memfd("not-sealed", SplitInflight.regionSize(QUEUE)),
                SplitInflight.regionSize(QUEUE));
    }

    @Test
    void shouldRefuseARegionOfTheWrongSize() throws Exception {
        assertRefusedAndServedClean(Memory.sealedMemfd("short", 64), 64);
    }

    @Test
    void shouldStartCleanFromARegionWithGarbage() throws Exception {
        long size = SplitInflight.regionSize(QUEUE);
        Fd fd = Memory.sealedMemfd("garbage", size);
        MemorySegment m = Memory.mapShared(fd.fd(), size);
        m.fill((byte) 0x5A);
        Memory.munmap(m);
        assertRefusedAndServedClean(fd, size);
    }

    private void assertRefusedAndServedClean(Fd fd, long size) throws Exception {
        try (fd; RawFrontEnd f = connect(socket)) {
            assertEquals(0, f.ack(SET_INFLIGHT_FD, inflightPayload(size, 1, QUEUE), fd.fd()),
                    "a region that does not fit is refused without ending the session");
            assertEquals(0, f.setMemTable());
            DriverQueue d = new DriverQueue(f.ram, 0, QUEUE, true);
            f.request(d, 0);
            d.publish();
            startRing(f, d, 0);
            assertTrue(RawFrontEnd.awaitUsed(d, 1, 5000), "the queue starts clean and serves");
            assertEquals(List.of("0:0:2:16:1"), List.copyOf(device.requests));
        }
    }

    @Test
    void shouldEndTheSessionOnAnInflightRequestForNoQueues() throws Exception {
        try (RawFrontEnd f = connect(socket)) {
            f.c.send(GET_INFLIGHT_FD, 0, inflightPayload(0, 0, QUEUE));
            assertTrue(f.c.closedByPeer());
        }
    }

    /** Reads the region as the next process would: how many descriptors are marked in flight. */
    private static final class SplitInflightCount {
        static int of(MemorySegment region, int size) {
            int n = 0;
            for (int i = 0; i < size; i++) {
                n += region.get(ValueLayout.JAVA_BYTE, 16 + 16L * i);
            }
            return n;
        }
    }
}
