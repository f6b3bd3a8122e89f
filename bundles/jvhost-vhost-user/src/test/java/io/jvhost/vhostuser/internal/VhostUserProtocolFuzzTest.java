package io.jvhost.vhostuser.internal;

import static io.jvhost.vhostuser.internal.Protocol.*;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.jvhost.frontend.GuestRam;
import io.jvhost.memory.MemoryRegion;
import io.jvhost.posix.EventFd;
import io.jvhost.posix.UnixSocket;
import io.jvhost.reactor.CpuMask;
import io.jvhost.reactor.Reactors;
import io.jvhost.virtio.Layouts;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;

/**
 * Runs a real session over a socket pair on sequences of fuzzer-chosen vhost-user messages: any
 * request code, flags and payload, with guest-RAM memfds and eventfds attached, and with memory
 * tables and ring addresses that often point into that RAM so the state machine gets past the
 * first checks and starts rings on a reactor. A finding is a session that ends with an exception
 * other than a protocol error, one that does not end once the front-end hangs up, or a
 * descriptor leak.
 */
class VhostUserProtocolFuzzTest {
    private static final int[] REQUESTS = {GET_FEATURES, SET_FEATURES, SET_OWNER, RESET_OWNER, SET_MEM_TABLE,
        SET_LOG_BASE, SET_LOG_FD, SET_VRING_NUM, SET_VRING_ADDR, SET_VRING_BASE, GET_VRING_BASE, SET_VRING_KICK,
        SET_VRING_CALL, SET_VRING_ERR, GET_PROTOCOL_FEATURES, SET_PROTOCOL_FEATURES, GET_QUEUE_NUM,
        SET_VRING_ENABLE, SET_BACKEND_REQ_FD, GET_CONFIG, SET_CONFIG, RESET_DEVICE, GET_MAX_MEM_SLOTS, ADD_MEM_REG,
        REM_MEM_REG, SET_STATUS, GET_STATUS, GET_INFLIGHT_FD, SET_INFLIGHT_FD};
    private static final Reactors.ClosableReactorGroup REACTORS = Reactors.start("fuzz", CpuMask.of(0), "interrupt");
    private static final GuestRam RAM = new GuestRam(1 << 20);
    /** A sealed memfd the size of a two-queue inflight region for 256-entry rings, as SET_INFLIGHT_FD expects. */
    private static final io.jvhost.posix.Fd REGION = io.jvhost.posix.Memory.sealedMemfd("fuzz-inflight",
            2 * io.jvhost.virtio.SplitInflight.regionSize(256));

    @AfterAll
    static void close() {
        REACTORS.close();
        RAM.close();
        REGION.close();
    }

    @FuzzTest(maxDuration = "30s")
    void messageSequences(FuzzedDataProvider data) throws Exception {
        long fdsBefore = openFds();
        UnixSocket[] pair = UnixSocket.pair();
        RecordingDevice device = new RecordingDevice();
        Session session = new Session("fuzz", 1, pair[0], device, REACTORS, CpuMask.of(0), new Coalescing(),
                () -> null, new LogLimit(), () -> { });
        List<EventFd> eventFds = new ArrayList<>();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment msg = arena.allocate(HEADER_SIZE + MAX_PAYLOAD + 64, 8);
            for (int n = 0; n < 24 && data.remainingBytes() > 0; n++) {
                int size = message(data, msg);
                int[] fds = fds(data, eventFds);
                pair[1].send(msg, HEADER_SIZE + size, fds);
            }
            pair[1].shutdownOutput();
            Thread t = new Thread(session, "fuzz-session");
            t.start();
            drainReplies(pair[1], arena);
            t.join(10_000);
            assertTrue(!t.isAlive(), "the session did not end after the front-end hung up");
        } finally {
            pair[1].close();
            eventFds.forEach(EventFd::close);
        }
        assertNull(session.unexpectedFailure(), "session ended with an unexpected exception");
        long fdsAfter = openFds();
        for (int i = 0; i < 100 && fdsAfter > fdsBefore; i++) {
            Thread.sleep(10); // the reactor lets go of a stopped ring's descriptors on its own turn
            fdsAfter = openFds();
        }
        assertTrue(fdsAfter <= fdsBefore, "descriptors leaked: " + fdsBefore + " before, " + fdsAfter + " after");
    }

    /** Writes one message into {@code msg}; returns its payload size. */
    private static int message(FuzzedDataProvider data, MemorySegment msg) {
        int request = data.consumeBoolean() ? REQUESTS[data.consumeInt(0, REQUESTS.length - 1)] : data.consumeInt();
        int flags = data.consumeInt(0, 7) == 0 ? data.consumeInt() : VERSION | (data.consumeBoolean() ? FLAG_NEED_REPLY : 0);
        MemorySegment p = msg.asSlice(HEADER_SIZE);
        int size = switch (data.consumeInt(0, 4)) {
            case 0 -> table(data, p, request);
            case 1 -> ring(data, p);
            case 2 -> inflight(data, p);
            default -> {
                byte[] raw = data.consumeBytes(data.consumeInt(0, 300));
                MemorySegment.copy(MemorySegment.ofArray(raw), 0, p, 0, raw.length);
                yield raw.length;
            }
        };
        // a lying size field: the session must read exactly what the header claims, or refuse it
        int claimed = data.consumeInt(0, 15) == 0 ? data.consumeInt() : size;
        msg.set(Layouts.U32, 0, request);
        msg.set(Layouts.U32, 4, flags);
        msg.set(Layouts.U32, 8, claimed);
        return size;
    }

    /** A memory table (or one region for ADD/REM_MEM_REG) that mostly describes the test's RAM. */
    private static int table(FuzzedDataProvider data, MemorySegment p, int request) {
        MemoryRegion r = RAM.region();
        boolean single = request == ADD_MEM_REG || request == REM_MEM_REG;
        int n = single ? 1 : data.consumeInt(0, 9);
        long at = 8;
        p.set(Layouts.U64, 0, single ? 0 : n);
        for (int i = 0; i < n; i++) {
            boolean exact = data.consumeBoolean();
            p.set(Layouts.U64, at, exact ? r.guestPhysAddr() + i * r.size() : data.consumeLong());
            p.set(Layouts.U64, at + 8, exact ? r.size() : data.consumeLong());
            p.set(Layouts.U64, at + 16, exact ? r.userAddr() + i * r.size() : data.consumeLong());
            p.set(Layouts.U64, at + 24, exact ? 0 : data.consumeLong());
            at += 32;
        }
        return (int) at;
    }

    /** A GET/SET_INFLIGHT_FD payload, mostly the region {@link #REGION} describes. */
    private static int inflight(FuzzedDataProvider data, MemorySegment p) {
        boolean exact = data.consumeBoolean();
        p.set(Layouts.U64, 0, exact ? 2 * io.jvhost.virtio.SplitInflight.regionSize(256) : data.consumeLong());
        p.set(Layouts.U64, 8, exact ? 0 : data.consumeLong());
        p.set(Layouts.U16, 16, (short) (exact ? 2 : data.consumeInt()));
        p.set(Layouts.U16, 18, (short) (exact ? 256 : data.consumeInt()));
        p.set(Layouts.U32, 20, 0);
        return data.consumeInt(0, 7) == 0 ? data.consumeInt(0, 30) : 24;
    }

    /** A vring state or address for queue 0 or 1, with addresses inside the RAM when the fuzzer likes. */
    private static int ring(FuzzedDataProvider data, MemorySegment p) {
        MemoryRegion r = RAM.region();
        p.set(Layouts.U32, 0, data.consumeInt(0, 3) == 0 ? data.consumeInt() : data.consumeInt(0, 1));
        p.set(Layouts.U32, 4, data.consumeInt(0, 3) == 0 ? data.consumeInt() : 1 << data.consumeInt(0, 8));
        for (int i = 0; i < 3; i++) {
            p.set(Layouts.U64, 8 + 8L * i, data.consumeBoolean()
                    ? r.userAddr() + 4096L * data.consumeInt(0, 255) : data.consumeLong());
        }
        p.set(Layouts.U64, 32, data.consumeLong());
        return data.consumeBoolean() ? 8 : 40;
    }

    /** Up to two descriptors: the RAM's memfd, a sealed inflight-sized memfd or a new eventfd. */
    private static int[] fds(FuzzedDataProvider data, List<EventFd> eventFds) {
        int[] fds = new int[data.consumeInt(0, 2)];
        for (int i = 0; i < fds.length; i++) {
            int kind = data.consumeInt(0, 2);
            if (kind == 2) {
                fds[i] = REGION.fd();
            } else if (kind == 1) {
                fds[i] = RAM.fd().fd();
            } else {
                EventFd e = EventFd.create();
                eventFds.add(e);
                fds[i] = e.fd();
            }
        }
        return fds;
    }

    private static void drainReplies(UnixSocket s, Arena arena) {
        MemorySegment buf = arena.allocate(MAX_REPLY + HEADER_SIZE);
        try {
            while (true) {
                UnixSocket.Received r = s.receive(buf, buf.byteSize());
                for (int fd : r.fds()) {
                    new io.jvhost.posix.Fd(fd).close();
                }
                if (r.bytes() == 0) {
                    return;
                }
            }
        } catch (RuntimeException closed) {
            // the session closed its end
        }
    }

    private static long openFds() throws java.io.IOException {
        try (var s = java.nio.file.Files.list(java.nio.file.Path.of("/proc/self/fd"))) {
            return s.count();
        }
    }
}
