package io.jvhost.vhostuser.internal;

import static io.jvhost.frontend.VhostUserConnection.u64;
import static io.jvhost.frontend.VhostUserConnection.vringState;
import static io.jvhost.frontend.VhostUserMessages.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jvhost.frontend.DriverQueue;
import io.jvhost.posix.EventFd;
import io.jvhost.reactor.CpuMask;
import io.jvhost.reactor.Reactors;
import io.jvhost.vhostuser.SocketOptions;
import io.jvhost.vhostuser.VhostUserTarget;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The back-end against the message sequence QEMU sends and against hostile front-ends and drivers:
 * every bad input closes (or fails) only the offending session, and the next front-end is served.
 */
class VhostUserConformanceTest {
    @TempDir
    Path dir;
    private Reactors.ClosableReactorGroup reactors;
    private RecordingDevice device;
    private VhostUserTarget target;
    private Path socket;

    @BeforeEach
    void setUp() {
        reactors = Reactors.start("conf", CpuMask.of(0), "interrupt");
        device = new RecordingDevice();
        socket = dir.resolve("ctrl");
        target = VhostUserTarget.listen("ctrl", socket, SocketOptions.DEFAULT, device, reactors, null);
    }

    @AfterEach
    void tearDown() {
        target.close();
        reactors.close();
    }

    private void awaitDisconnected() throws InterruptedException {
        for (int i = 0; i < 1000 && target.connected(); i++) {
            Thread.sleep(5);
        }
        assertFalse(target.connected(), "the session should have ended");
    }

    /** A fresh front-end completes a request: the target survived whatever came before. */
    private void assertServesNewFrontEnd() throws Exception {
        awaitDisconnected();
        try (RawFrontEnd f = new RawFrontEnd(socket)) {
            f.negotiate(true);
            assertEquals(0, f.setMemTable());
            DriverQueue d = f.startQueue(0, 16);
            f.request(d, 0);
            d.publish();
            assertTrue(RawFrontEnd.awaitUsed(d, 1, 5000), "a new front-end must be served");
        }
    }

    @Test
    void shouldCreateTheSocketWithMode0600() throws Exception {
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(socket)));
    }

    @Test
    void shouldServeTheSequenceQemuSendsAndReportTheRingPosition() throws Exception {
        try (RawFrontEnd f = new RawFrontEnd(socket)) {
            long offered = u64(f.c.call(GET_FEATURES, new byte[0]));
            assertTrue((offered & (1L << 32)) != 0 && (offered & (1L << 30)) != 0 && (offered & (1L << 29)) != 0);
            long pf = u64(f.c.call(GET_PROTOCOL_FEATURES, new byte[0]));
            assertTrue((pf & (1L << PF_CONFIG)) != 0 && (pf & (1L << PF_REPLY_ACK)) != 0 && (pf & (1L << PF_MQ)) != 0);
            assertEquals(0, pf >>> 20, "no protocol bits above 19");
            f.c.send(SET_PROTOCOL_FEATURES, 0, u64(pf));
            assertEquals(2, u64(f.c.call(GET_QUEUE_NUM, new byte[0])));
            assertTrue(u64(f.c.call(GET_MAX_MEM_SLOTS, new byte[0])) >= 8);
            f.c.send(SET_OWNER, 0, new byte[0]);
            byte[] cfg = new byte[12 + 8];
            MemorySegment.ofArray(cfg).set(RawFrontEnd.U32, 0, 4);
            MemorySegment.ofArray(cfg).set(RawFrontEnd.U32, 4, 8);
            byte[] reply = f.c.call(GET_CONFIG, cfg);
            assertEquals(20, reply.length, "GET_CONFIG answers exactly the size asked");
            assertEquals(4, reply[12]);
            f.features = offered & ((1L << 32) | (1L << 30) | (1L << 29));
            assertEquals(0, f.ack(SET_FEATURES, u64(f.features)));
            assertEquals(0, f.setMemTable());
            DriverQueue d = f.startQueue(0, 32);
            for (int i = 0; i < 5; i++) {
                long[] bufs = f.request(d, 2 * i);
                d.publish();
                assertTrue(RawFrontEnd.awaitUsed(d, 1, 5000));
                assertEquals(2 * i, d.usedHead());
                assertEquals(1, d.usedLength());
                d.advanceUsed();
                assertEquals(2 * i, f.ram.at(bufs[1], 1).get(ValueLayout.JAVA_BYTE, 0));
            }
            assertEquals("0:8:2:16:1", device.requests.toArray()[4]);
            assertEquals(0, f.ack(SET_VRING_ENABLE, vringState(0, 0)));
            assertEquals(5, f.getVringBase(0), "GET_VRING_BASE reports the next index to process");
            assertEquals(0, device.openQueues.get());
        }
    }

    @Test
    void shouldWaitForInFlightRequestsBeforeAnsweringGetVringBase() throws Exception {
        try (RawFrontEnd f = new RawFrontEnd(socket)) {
            f.negotiate(false);
            f.setMemTable();
            DriverQueue d = f.startQueue(0, 16);
            device.hold.set(true);
            f.request(d, 0);
            d.publish();
            for (int i = 0; i < 500 && device.requests.isEmpty(); i++) {
                Thread.sleep(2);
            }
            CompletableFuture<Integer> base = CompletableFuture.supplyAsync(() -> {
                try {
                    return f.getVringBase(0);
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            Thread.sleep(200);
            assertFalse(base.isDone(), "GET_VRING_BASE must wait while a request is in flight");
            assertEquals(0, d.usedAvailable());
            device.hold.set(false);
            assertEquals(1, base.get(5, TimeUnit.SECONDS));
            assertEquals(1, d.usedAvailable(), "the in-flight request completed before the ring stopped");
        }
    }

    @Test
    void shouldRestartRingsWhereTheyStoppedAfterReconnect() throws Exception {
        try (RawFrontEnd f = new RawFrontEnd(socket)) {
            f.negotiate(true);
            f.setMemTable();
            DriverQueue d = f.startQueue(0, 16);
            f.request(d, 0);
            d.publish();
            assertTrue(RawFrontEnd.awaitUsed(d, 1, 5000));
        }
        awaitDisconnected();
        assertEquals(1, device.sessionsEnded.get());
        assertServesNewFrontEnd();
    }

    @Test
    void shouldRegisterGuestMemoryForDmaWhileTheSessionHasItAndWithdrawItWhenTheSessionEnds() throws Exception {
        var registry = new io.jvhost.memory.internal.MemoryRegistryImpl();
        Path dmaSocket = dir.resolve("dma");
        try (VhostUserTarget t = VhostUserTarget.listen("dma", dmaSocket, SocketOptions.DEFAULT, new RecordingDevice(),
                reactors, null, () -> registry)) {
            try (RawFrontEnd f = new RawFrontEnd(dmaSocket)) {
                f.negotiate(true);
                assertTrue(registry.registered().isEmpty(), "nothing before the memory table");
                assertEquals(0, f.setMemTable());
                assertEquals(1, registry.registered().size(), "the guest's one region");
                assertEquals(f.ram.region().size(), registry.registered().get(0).byteSize());
                assertEquals(0, f.setMemTable());
                assertEquals(1, registry.registered().size(), "a new table replaces the old registration");
            }
            for (int i = 0; i < 1000 && t.connected(); i++) {
                Thread.sleep(5);
            }
            assertTrue(registry.registered().isEmpty(), "withdrawn before the memory is unmapped");
        }
    }

    @Test
    void shouldCloseTheSessionOnAnUnknownMessage() throws Exception {
        try (RawFrontEnd f = new RawFrontEnd(socket)) {
            f.c.send(99, 0, new byte[0]);
            assertTrue(f.c.closedByPeer());
        }
        assertServesNewFrontEnd();
    }

    @Test
    void shouldCloseTheSessionOnAPayloadOfTheWrongSize() throws Exception {
        try (RawFrontEnd f = new RawFrontEnd(socket)) {
            f.c.send(GET_VRING_BASE, 0, new byte[4]);
            assertTrue(f.c.closedByPeer());
        }
        assertServesNewFrontEnd();
    }

    @Test
    void shouldCloseTheSessionOnAHugeSizeField() throws Exception {
        try (RawFrontEnd f = new RawFrontEnd(socket)) {
            byte[] header = new byte[12];
            MemorySegment h = MemorySegment.ofArray(header);
            h.set(RawFrontEnd.U32, 0, SET_MEM_TABLE);
            h.set(RawFrontEnd.U32, 4, VERSION);
            h.set(RawFrontEnd.U32, 8, 0x7FFFFFFF);
            f.c.sendRaw(header);
            assertTrue(f.c.closedByPeer());
        }
        assertServesNewFrontEnd();
    }

    @Test
    void shouldCloseTheSessionWhenAMemoryTableLacksItsDescriptors() throws Exception {
        try (RawFrontEnd f = new RawFrontEnd(socket)) {
            f.negotiate(false);
            var r = f.ram.region();
            f.c.send(SET_MEM_TABLE, FLAG_NEED_REPLY, RawFrontEnd.memTable(r.guestPhysAddr(), r.size(), r.userAddr(), 0));
            assertTrue(f.c.closedByPeer());
        }
        assertServesNewFrontEnd();
    }

    @Test
    void shouldCloseTheSessionOnExtraDescriptors() throws Exception {
        try (RawFrontEnd f = new RawFrontEnd(socket); EventFd extra = EventFd.create()) {
            f.negotiate(false);
            f.c.send(SET_VRING_CALL, 0, u64(0x100), extra.fd());
            assertTrue(f.c.closedByPeer());
        }
        assertServesNewFrontEnd();
    }

    @Test
    void shouldRefuseOverlappingAndHugeRegions() throws Exception {
        try (RawFrontEnd f = new RawFrontEnd(socket)) {
            f.negotiate(false);
            var r = f.ram.region();
            long ack = f.ack(SET_MEM_TABLE, RawFrontEnd.memTable(r.guestPhysAddr(), r.size(), r.userAddr(), 0,
                    r.guestPhysAddr() + 4096, r.size(), r.userAddr() + (1L << 40), 0), f.ram.fd().fd(), f.ram.fd().fd());
            assertNotEquals(0, ack, "overlapping regions must be refused");
            ack = f.ack(SET_MEM_TABLE, RawFrontEnd.memTable(r.guestPhysAddr(), 1L << 62, r.userAddr(), 0),
                    f.ram.fd().fd());
            assertNotEquals(0, ack, "a region larger than its file must be refused");
            assertEquals(0, f.setMemTable(), "the session stays usable after refused tables");
        }
        assertServesNewFrontEnd();
    }

    @Test
    void shouldRefuseRingsOutsideGuestMemory() throws Exception {
        try (RawFrontEnd f = new RawFrontEnd(socket)) {
            f.negotiate(false);
            f.setMemTable();
            f.ack(SET_VRING_NUM, vringState(0, 16));
            long outside = f.ram.userAddress(f.ram.base()) + f.ram.size() + 4096;
            assertNotEquals(0, f.ack(SET_VRING_ADDR, RawFrontEnd.vringAddr(0, outside, outside, outside)),
                    "ring addresses outside guest memory are refused");
            DriverQueue d = f.startQueue(0, 16);
            f.request(d, 0);
            d.publish();
            assertTrue(RawFrontEnd.awaitUsed(d, 1, 5000), "the session stays usable with good addresses");
        }
        assertServesNewFrontEnd();
    }

    @Test
    void shouldRefuseAUsedRingPlacedOverTheAvailableRing() throws Exception {
        try (RawFrontEnd f = new RawFrontEnd(socket)) {
            f.negotiate(false);
            f.setMemTable();
            f.ack(SET_VRING_NUM, vringState(0, 16));
            DriverQueue d = new DriverQueue(f.ram, 0, 16, false);
            long avail = f.ram.userAddress(d.availGpa());
            assertNotEquals(0, f.ack(SET_VRING_ADDR, RawFrontEnd.vringAddr(0, f.ram.userAddress(d.descGpa()),
                    avail, avail)), "a used ring over the available ring is refused");
            long desc = f.ram.userAddress(d.descGpa());
            assertNotEquals(0, f.ack(SET_VRING_ADDR, RawFrontEnd.vringAddr(0, desc, desc + 64, avail)),
                    "a used ring inside the descriptor table is refused");
            DriverQueue good = f.startQueue(0, 16);
            f.request(good, 0);
            good.publish();
            assertTrue(RawFrontEnd.awaitUsed(good, 1, 5000), "the session stays usable with a good layout");
        }
        assertServesNewFrontEnd();
    }

    @Test
    void shouldLeaveAQueueStoppedWhoseLayoutIsOnlyCheckableOnceMemoryArrives() throws Exception {
        try (RawFrontEnd f = new RawFrontEnd(socket)) {
            f.negotiate(false);
            // addresses before the memory table cannot be checked yet; the queue must not start on them
            DriverQueue d = new DriverQueue(f.ram, 0, 16, false);
            long avail = f.ram.userAddress(d.availGpa());
            assertEquals(0, f.ack(SET_VRING_NUM, vringState(0, 16)));
            assertEquals(0, f.ack(SET_VRING_ADDR, RawFrontEnd.vringAddr(0, f.ram.userAddress(d.descGpa()), avail,
                    avail)));
            assertEquals(0, f.ack(SET_VRING_KICK, u64(0), d.kickFd().fd()));
            assertEquals(0, f.ack(SET_VRING_ENABLE, vringState(0, 1)));
            assertEquals(0, f.setMemTable(), "the memory table is taken; the queue stays stopped");
            assertEquals(0, device.openQueues.get(), "a queue with overlapping areas never opens");
            DriverQueue other = f.startQueue(1, 16);
            f.request(other, 0);
            other.publish();
            assertTrue(RawFrontEnd.awaitUsed(other, 1, 5000), "the session and its other queue keep working");
        }
        assertServesNewFrontEnd();
    }

    @Test
    void shouldStopTheQueueOnADescriptorLoopAndKeepServingOthers() throws Exception {
        try (RawFrontEnd f = new RawFrontEnd(socket)) {
            f.negotiate(false);
            f.setMemTable();
            DriverQueue d = f.startQueue(0, 16);
            long buf = f.ram.allocate(64, 64);
            d.descriptor(0, buf, 16, DriverQueue.F_NEXT, 1);
            d.descriptor(1, buf, 16, DriverQueue.F_NEXT, 0);
            d.offer(0);
            d.publish();
            Thread.sleep(200);
            assertEquals(0, d.usedAvailable(), "a looping chain is never completed");
            DriverQueue other = f.startQueue(1, 16);
            f.request(other, 0);
            other.publish();
            assertTrue(RawFrontEnd.awaitUsed(other, 1, 5000), "the other queue keeps working");
        }
        assertServesNewFrontEnd();
    }

    @Test
    void shouldRejectNestedIndirectTablesAndChainsLongerThanTheRing() throws Exception {
        try (RawFrontEnd f = new RawFrontEnd(socket)) {
            f.negotiate(false);
            f.setMemTable();
            DriverQueue d = f.startQueue(0, 16);
            long table = f.ram.allocate(64, 16);
            MemorySegment t = f.ram.at(table, 32);
            t.set(RawFrontEnd.U64, 0, table);
            t.set(RawFrontEnd.U32, 8, 32);
            t.set(ValueLayout.JAVA_SHORT_UNALIGNED, 12, (short) DriverQueue.F_INDIRECT);
            d.descriptor(0, table, 32, DriverQueue.F_INDIRECT, 0);
            d.offer(0);
            d.publish();
            Thread.sleep(200);
            assertEquals(0, d.usedAvailable());
            DriverQueue e = f.startQueue(1, 16);
            long buf = f.ram.allocate(16, 16);
            for (int i = 0; i < 16; i++) {
                e.descriptor(i, buf, 1, DriverQueue.F_NEXT, (i + 1) % 16);
            }
            e.offer(0);
            e.publish();
            Thread.sleep(200);
            assertEquals(0, e.usedAvailable());
        }
        assertServesNewFrontEnd();
    }

    @Test
    void shouldSurviveAnAvailableIndexJumpingBeyondTheRing() throws Exception {
        try (RawFrontEnd f = new RawFrontEnd(socket)) {
            f.negotiate(false);
            f.setMemTable();
            DriverQueue d = f.startQueue(0, 16);
            d.forceAvailIdx(1000);
            d.kick();
            Thread.sleep(200);
            assertEquals(0, d.usedAvailable());
        }
        assertServesNewFrontEnd();
    }

    @Test
    void shouldSurviveAGuestRewritingDescriptorsWhileTheyAreProcessed() throws Exception {
        try (RawFrontEnd f = new RawFrontEnd(socket)) {
            f.negotiate(true);
            f.setMemTable();
            DriverQueue d = f.startQueue(0, 64);
            long buf = f.ram.allocate(4096, 4096);
            java.util.Random random = new java.util.Random(1);
            int completed = 0;
            for (int round = 0; round < 200; round++) {
                for (int i = 0; i < 8; i++) {
                    int head = 2 * i;
                    d.descriptor(head, buf, 16, DriverQueue.F_NEXT, head + 1);
                    d.descriptor(head + 1, buf + 64, 1, DriverQueue.F_WRITE, 0);
                    d.offer(head);
                }
                d.publish();
                // scribble over the table while the back-end walks it: addresses, lengths, flags, next
                for (int i = 0; i < 16; i++) {
                    d.descriptor(random.nextInt(16), random.nextBoolean() ? buf : random.nextLong(),
                            random.nextInt(64), random.nextInt(8), random.nextInt(32));
                }
                Thread.sleep(1);
                while (d.usedAvailable() > 0) {
                    d.advanceUsed();
                    completed++;
                }
            }
            assertTrue(completed >= 0);
        }
        assertServesNewFrontEnd();
    }
}
