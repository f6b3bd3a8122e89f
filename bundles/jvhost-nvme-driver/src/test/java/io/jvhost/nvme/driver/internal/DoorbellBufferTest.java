package io.jvhost.nvme.driver.internal;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class DoorbellBufferTest {
    @Test
    void shouldRingOnlyWhenTheUpdatePassesTheControllersEventIndex() {
        // the controller asked to be told once the tail moves past 10
        assertTrue(DoorbellBuffer.needsEvent(10, 11, 10));
        assertTrue(DoorbellBuffer.needsEvent(10, 15, 8), "a batch that crosses the index rings once");
        assertFalse(DoorbellBuffer.needsEvent(10, 10, 8), "reaching the index is not passing it");
        assertFalse(DoorbellBuffer.needsEvent(10, 14, 12), "already past it: the controller is polling");
    }

    @Test
    void shouldCompareIndicesModulo16Bits() {
        assertTrue(DoorbellBuffer.needsEvent(0xFFFF, 1, 0xFFFE), "wrapping past the index");
        assertFalse(DoorbellBuffer.needsEvent(5, 0x10003, 0x10001), "only 16 bits count");
    }
}
