package io.jvhost.vhostuser.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jvhost.frontend.DriverQueue;
import io.jvhost.reactor.CpuMask;
import io.jvhost.reactor.Reactors;
import io.jvhost.vhostuser.SocketOptions;
import io.jvhost.vhostuser.VhostUserTarget;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How many front-ends a controller serves at once: one unless max_sessions says more and the device can. */
class SessionLimitTest {
    @TempDir
    Path dir;
    private Reactors.ClosableReactorGroup reactors;
    private final RecordingDevice device = new RecordingDevice();

    @BeforeEach
    void setUp() {
        reactors = Reactors.start("limit", CpuMask.of(0), "interrupt");
    }

    @AfterEach
    void tearDown() {
        reactors.close();
    }

    private VhostUserTarget listen(int maxSessions) {
        return VhostUserTarget.listen("ctrl", dir.resolve("ctrl"), new SocketOptions(0600, null, null, maxSessions),
                device, reactors, null);
    }

    /** Negotiates, maps memory, starts queue 0 and completes one request. */
    private static void serve(RawFrontEnd f) throws Exception {
        f.negotiate(false);
        assertEquals(0, f.setMemTable());
        DriverQueue d = f.startQueue(0, 16);
        f.request(d, 0);
        d.publish();
        assertTrue(RawFrontEnd.awaitUsed(d, 1, 5000), "a front-end within the limit is served");
    }

    private static void assertRefused(RawFrontEnd f) {
        assertTrue(f.c.closedByPeer(), "a front-end over the limit is disconnected unanswered");
    }

    private static void awaitSessions(VhostUserTarget t, int n) throws InterruptedException {
        for (int i = 0; i < 1000 && t.sessions().size() != n; i++) {
            Thread.sleep(5);
        }
        assertEquals(n, t.sessions().size(), "sessions connected: " + t.sessions());
    }

    @Test
    void servesOneFrontEndAtATimeByDefault() throws Exception {
        try (VhostUserTarget t = listen(1); RawFrontEnd first = new RawFrontEnd(t.socket())) {
            serve(first);
            try (RawFrontEnd second = new RawFrontEnd(t.socket())) {
                assertRefused(second);
            }
            DriverQueue d = first.startQueue(1, 16);
            first.request(d, 0);
            d.publish();
            assertTrue(RawFrontEnd.awaitUsed(d, 1, 5000), "the first front-end is not disturbed by the refusal");
            assertEquals(List.of(1), t.sessions());
        }
    }

    @Test
    void servesUpToMaxSessionsFrontEndsAtOnceAndTakesTheNextWhenOneLeaves() throws Exception {
        device.servesSeveral = true;
        try (VhostUserTarget t = listen(2)) {
            RawFrontEnd a = new RawFrontEnd(t.socket());
            try (RawFrontEnd b = new RawFrontEnd(t.socket())) {
                serve(a);
                serve(b);
                assertEquals(List.of(1, 2), t.sessions());
                try (RawFrontEnd c = new RawFrontEnd(t.socket())) {
                    assertRefused(c);
                }
                a.close();
                awaitSessions(t, 1);
                try (RawFrontEnd d = new RawFrontEnd(t.socket())) {
                    serve(d);
                    assertEquals(List.of(2, 3), t.sessions(), "numbers go to accepted front-ends only");
                }
            }
            awaitSessions(t, 0);
            assertEquals(3, t.completedPerQueue()[0], "requests of every session are counted");
        }
    }

    @Test
    void refusesSeveralSessionsForADeviceThatServesOneDriver() {
        var e = assertThrows(IllegalArgumentException.class, () -> listen(2));
        assertTrue(e.getMessage().contains("max_sessions 2"), e.getMessage());
    }

    /**
     * A front-end reconnecting in a loop while the controller is taken gets only {@link LogLimit#BURST}
     * refusal lines into the log, however many times it tries (simplelogger.properties lets the
     * Listener's warnings through; slf4j-simple writes to whatever System.err is at the time).
     */
    @Test
    void aFrontEndReconnectingInALoopCannotFloodTheLog() throws Exception {
        java.io.ByteArrayOutputStream captured = new java.io.ByteArrayOutputStream();
        java.io.PrintStream err = System.err;
        try (VhostUserTarget t = listen(1); RawFrontEnd first = new RawFrontEnd(t.socket())) {
            serve(first);
            System.setErr(new java.io.PrintStream(captured, true, java.nio.charset.StandardCharsets.UTF_8));
            for (int i = 0; i < 3 * LogLimit.BURST; i++) {
                try (RawFrontEnd again = new RawFrontEnd(t.socket())) {
                    assertRefused(again);
                }
            }
        } finally {
            System.setErr(err);
        }
        long lines = captured.toString(java.nio.charset.StandardCharsets.UTF_8).lines()
                .filter(l -> l.contains("refusing a front-end")).count();
        assertEquals(LogLimit.BURST, lines, captured.toString(java.nio.charset.StandardCharsets.UTF_8));
    }
}
