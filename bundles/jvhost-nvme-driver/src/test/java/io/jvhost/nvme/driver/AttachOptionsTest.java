package io.jvhost.nvme.driver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class AttachOptionsTest {
    @Test
    void defaultsDoNotReconnect() {
        AttachOptions o = AttachOptions.defaults();
        assertFalse(o.reconnects());
        assertEquals(0, o.ctrlrLossTimeoutMillis());
        assertFalse(new AttachOptions(false, 256, 0, 1000, true).reconnects());
    }

    @Test
    void reconnectNeedsADelayWithinTheLossTimeout() {
        assertTrue(new AttachOptions(false, 256, 0, 1000, true, 5000, 1000).reconnects());
        assertTrue(new AttachOptions(false, 256, 0, 1000, true, -1, 1000).reconnects(), "-1: never give up");
        var noDelay = assertThrows(IllegalArgumentException.class,
                () -> new AttachOptions(false, 256, 0, 1000, true, 5000, 0));
        assertTrue(noDelay.getMessage().contains("reconnect delay"), noDelay.getMessage());
        var tooLong = assertThrows(IllegalArgumentException.class,
                () -> new AttachOptions(false, 256, 0, 1000, true, 5000, 6000));
        assertTrue(tooLong.getMessage().contains("must not exceed"), tooLong.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new AttachOptions(false, 256, 0, 1000, true, -2, 1000));
    }
}
