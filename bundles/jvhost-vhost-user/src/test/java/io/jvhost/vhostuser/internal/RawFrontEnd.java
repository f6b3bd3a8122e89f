package io.jvhost.vhostuser.internal;

import static io.jvhost.frontend.VhostUserConnection.u64;
import static io.jvhost.frontend.VhostUserConnection.vringState;
import static io.jvhost.frontend.VhostUserMessages.*;

import io.jvhost.frontend.DriverQueue;
import io.jvhost.frontend.GuestRam;
import io.jvhost.frontend.VhostUserConnection;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Path;

/** Message-level front-end steps for conformance tests, each one QEMU's message as the spec lays it out. */
final class RawFrontEnd implements AutoCloseable {
    static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    final VhostUserConnection c;
    final GuestRam ram = new GuestRam(4 << 20);
    long features;

    RawFrontEnd(Path socket) {
        c = VhostUserConnection.connect(socket);
    }

    /** GET_FEATURES, protocol features with REPLY_ACK and CONFIG, SET_OWNER, SET_FEATURES. */
    RawFrontEnd negotiate(boolean eventIdx) throws IOException {
        long offered = u64(c.call(GET_FEATURES, new byte[0]));
        long pf = u64(c.call(GET_PROTOCOL_FEATURES, new byte[0]));
        c.send(SET_PROTOCOL_FEATURES, 0, u64(pf & ((1L << PF_REPLY_ACK) | (1L << PF_CONFIG) | (1L << PF_MQ))));
        c.send(SET_OWNER, 0, new byte[0]);
        features = offered & ((1L << 32) | (1L << 30) | (eventIdx ? 1L << 29 : 0) | (1L << 28));
        ack(SET_FEATURES, u64(features));
        return this;
    }

    long ack(int request, byte[] payload, int... fds) throws IOException {
        return c.callAck(request, payload, fds);
    }

    static byte[] memTable(long... regions) {
        int n = regions.length / 4;
        byte[] b = new byte[8 + 32 * n];
        MemorySegment s = MemorySegment.ofArray(b);
        s.set(U32, 0, n);
        for (int i = 0; i < regions.length; i++) {
            s.set(U64, 8 + 8L * i, regions[i]);
        }
        return b;
    }

    long setMemTable() throws IOException {
        var r = ram.region();
        return ack(SET_MEM_TABLE, memTable(r.guestPhysAddr(), r.size(), r.userAddr(), r.mmapOffset()), ram.fd().fd());
    }

    static byte[] vringAddr(int q, long desc, long used, long avail) {
        byte[] b = new byte[40];
        MemorySegment s = MemorySegment.ofArray(b);
        s.set(U32, 0, q);
        s.set(U64, 8, desc);
        s.set(U64, 16, used);
        s.set(U64, 24, avail);
        return b;
    }

    /** NUM, BASE, ADDR, KICK, CALL, ENABLE for queue {@code q}; returns the driver side. */
    DriverQueue startQueue(int q, int size) throws IOException {
        DriverQueue d = new DriverQueue(ram, q, size, (features & (1L << 29)) != 0);
        check(ack(SET_VRING_NUM, vringState(q, size)));
        check(ack(SET_VRING_BASE, vringState(q, 0)));
        check(ack(SET_VRING_ADDR, vringAddr(q, ram.userAddress(d.descGpa()), ram.userAddress(d.usedGpa()),
                ram.userAddress(d.availGpa()))));
        check(ack(SET_VRING_KICK, u64(q), d.kickFd().fd()));
        check(ack(SET_VRING_CALL, u64(q), d.callFd().fd()));
        check(ack(SET_VRING_ENABLE, vringState(q, 1)));
        return d;
    }

    private static void check(long ack) throws IOException {
        if (ack != 0) {
            throw new IOException("back-end refused a set-up message (ack " + ack + ")");
        }
    }

    /** A two-descriptor request (readable 16 bytes, writable 1 byte) at head {@code head}. */
    long[] request(DriverQueue d, int head) {
        long hdr = ram.allocate(16, 16);
        long status = ram.allocate(1, 1);
        d.descriptor(head, hdr, 16, DriverQueue.F_NEXT, head + 1);
        d.descriptor(head + 1, status, 1, DriverQueue.F_WRITE, 0);
        d.offer(head);
        return new long[] {hdr, status};
    }

    /** Waits until {@code n} used entries appeared; false on timeout. */
    static boolean awaitUsed(DriverQueue d, int n, long millis) throws InterruptedException {
        long end = System.currentTimeMillis() + millis;
        while (d.usedAvailable() < n) {
            if (System.currentTimeMillis() > end) {
                return false;
            }
            Thread.sleep(1);
        }
        return true;
    }

    int getVringBase(int q) throws IOException {
        byte[] r = c.call(GET_VRING_BASE, vringState(q, 0));
        return MemorySegment.ofArray(r).get(U32, 4);
    }

    @Override
    public void close() {
        c.close();
        ram.close();
    }
}
