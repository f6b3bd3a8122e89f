package io.jvhost.vhostuser.internal;

import static io.jvhost.vhostuser.internal.Protocol.GET_FEATURES;
import static io.jvhost.vhostuser.internal.Protocol.HEADER_SIZE;
import static io.jvhost.vhostuser.internal.Protocol.VERSION;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.jvhost.posix.UnixSocket;
import io.jvhost.reactor.CpuMask;
import io.jvhost.reactor.Reactors;
import io.jvhost.virtio.Layouts;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;

/** How a session ends when the front-end goes away at awkward moments. */
class SessionEndTest {
    /**
     * Found by VhostUserProtocolFuzzTest (crash-4189abb3...): a front-end that sends a request and
     * hangs up before reading the reply made the reply fail with EPIPE, which the session took for an
     * internal error. A peer that is gone is the end of the session, not a fault of the target.
     */
    @Test
    void aFrontEndThatHangsUpBeforeTheReplyEndsTheSessionCleanly() throws Exception {
        try (Reactors.ClosableReactorGroup reactors = Reactors.start("end", CpuMask.of(0), "interrupt");
                Arena arena = Arena.ofConfined()) {
            UnixSocket[] pair = UnixSocket.pair();
            RecordingDevice device = new RecordingDevice();
            Session session = new Session("end", 1, pair[0], device, reactors, CpuMask.of(0), new Coalescing(),
                    () -> null, new LogLimit(), () -> { });
            MemorySegment msg = arena.allocate(HEADER_SIZE);
            msg.set(Layouts.U32, 0, GET_FEATURES);
            msg.set(Layouts.U32, 4, VERSION);
            msg.set(Layouts.U32, 8, 0);
            pair[1].send(msg, HEADER_SIZE);
            pair[1].shutdown(); // gone in both directions: the reply has nowhere to go
            Thread t = new Thread(session);
            t.start();
            t.join(10_000);
            pair[1].close();
            assertFalse(t.isAlive(), "the session must end");
            assertNull(session.unexpectedFailure(), "a vanished front-end is not an internal error");
            assertEquals(1, device.sessionsEnded.get(), "the device is told the session ended");
        }
    }
}
