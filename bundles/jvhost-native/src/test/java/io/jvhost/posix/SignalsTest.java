package io.jvhost.posix;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The signal names SPDK's spdk_kill_instance takes. */
class SignalsTest {
    @Test
    void shouldParseNamesWithOrWithoutSigInAnyCaseAndNumbers() {
        assertEquals(15, Signals.parse("SIGTERM"));
        assertEquals(15, Signals.parse("term"));
        assertEquals(2, Signals.parse("SigInt"));
        assertEquals(9, Signals.parse("9"));
        assertEquals(-1, Signals.parse("SIGSEGV"));
        assertEquals(-1, Signals.parse("11"));
        assertEquals(-1, Signals.parse(""));
    }
}
