package io.jvhost.nvme.driver.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jvhost.nvme.Identify;
import io.jvhost.nvme.driver.ControllerData;
import io.jvhost.nvme.driver.NamespaceData;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class IdentifyParserTest {
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED;

    private static void text(MemorySegment page, int offset, int bytes, String s) {
        byte[] b = (s + " ".repeat(bytes - s.length())).getBytes(StandardCharsets.US_ASCII);
        MemorySegment.copy(b, 0, page, ValueLayout.JAVA_BYTE, offset, bytes);
    }

    @Test
    void shouldReadControllerFieldsAndCapTheTransferSize() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment page = a.allocate(4096);
            page.set(ValueLayout.JAVA_SHORT_UNALIGNED, Identify.VID, (short) 0x1b36);
            text(page, Identify.SN, Identify.SN_BYTES, "deadbeef");
            text(page, Identify.MN, Identify.MN_BYTES, "QEMU NVMe Ctrl");
            text(page, Identify.FR, Identify.FR_BYTES, "7.2");
            page.set(ValueLayout.JAVA_BYTE, Identify.MDTS, (byte) 7);
            page.set(U32, Identify.NN, 256);
            page.set(ValueLayout.JAVA_SHORT_UNALIGNED, Identify.OACS, (short) Identify.OACS_DOORBELL_BUFFER_CONFIG);
            page.set(ValueLayout.JAVA_SHORT_UNALIGNED, Identify.ONCS, (short) (Identify.ONCS_WRITE_ZEROES | Identify.ONCS_DATASET_MANAGEMENT));
            page.set(ValueLayout.JAVA_BYTE, Identify.VWC, (byte) 1);
            long cap = 2047 | 1L << 37; // MQES 2047, NVM command set, MPSMIN 4 KiB
            ControllerData d = IdentifyParser.controller(page, cap, 0x00010400);
            assertEquals(0x1b36, d.vendorId());
            assertEquals("deadbeef", d.serial());
            assertEquals("QEMU NVMe Ctrl", d.model());
            assertEquals("7.2", d.firmware());
            assertEquals("1.4.0", d.version());
            assertEquals(512 * 1024, d.maxTransferBytes(), "MDTS 7 with 4 KiB pages");
            assertEquals(256, d.namespaceCount());
            assertEquals(2048, d.maxQueueEntries());
            assertTrue(d.doorbellBufferConfig());
            assertTrue(d.volatileWriteCache());
            page.set(ValueLayout.JAVA_BYTE, Identify.MDTS, (byte) 0);
            assertEquals(IdentifyParser.DRIVER_MAX_TRANSFER, IdentifyParser.controller(page, cap, 0x00010400).maxTransferBytes(),
                    "no MDTS limit: the driver's own (one PRP list page)");
            page.set(ValueLayout.JAVA_SHORT_UNALIGNED, Identify.OACS, (short) 0);
            assertFalse(IdentifyParser.controller(page, cap, 0x00010400).doorbellBufferConfig());
        }
    }

    @Test
    void shouldUseTheFormattedLbaFormatAndSkipInactiveNamespaces() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment page = a.allocate(4096);
            assertNull(IdentifyParser.namespace(1, page), "size 0: inactive");
            page.set(ValueLayout.JAVA_LONG_UNALIGNED, Identify.NSZE, 1000);
            page.set(U32, Identify.LBAF0, 9 << 16);
            page.set(U32, Identify.LBAF0 + 4, 12 << 16);
            page.set(ValueLayout.JAVA_BYTE, Identify.FLBAS, (byte) 1);
            NamespaceData ns = IdentifyParser.namespace(3, page);
            assertEquals(3, ns.id());
            assertEquals(4096, ns.blockSize());
            assertEquals(1000, ns.blockCount());
            assertNull(ns.guid());
            page.set(ValueLayout.JAVA_BYTE, Identify.NGUID, (byte) 0x12);
            assertEquals("12000000-0000-0000-0000-000000000000", IdentifyParser.namespace(3, page).guid().toString());
        }
    }
}
