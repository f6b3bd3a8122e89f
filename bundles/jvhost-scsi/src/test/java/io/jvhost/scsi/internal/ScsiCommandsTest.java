package io.jvhost.scsi.internal;

import static io.jvhost.scsi.internal.Scsi.*;
import static io.jvhost.scsi.internal.ScsiHarness.*;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jvhost.scsi.ScsiTask;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The SPC-4/SBC-3 command set over a real malloc bdev: data, identification, errors and their sense. */
class ScsiCommandsTest {
    private static final int BS = 4096;
    private static final long BLOCKS = 1024;
    private final ScsiHarness h = new ScsiHarness(BS, BLOCKS);

    @AfterEach
    void tearDown() {
        h.close();
    }

    private static byte[] bytes(MemorySegment s, int n) {
        return s.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE);
    }

    private static void assertGood(ScsiTask t) {
        assertEquals(ScsiTask.GOOD, t.status(), () -> "status " + t.status() + " key " + senseKey(t) + " asc "
                + Integer.toHexString(asc(t)));
    }

    private static void assertCheck(ScsiTask t, int key, int ascq) {
        assertEquals(ScsiTask.CHECK_CONDITION, t.status());
        assertEquals(key, senseKey(t), "sense key");
        assertEquals(Integer.toHexString(ascq), Integer.toHexString(asc(t)), "ASC/ASCQ");
    }

    @Test
    void shouldAnswerStandardInquiryWithVendorProductAndVersions() {
        MemorySegment buf = h.buffer(96);
        ScsiTask t = h.in(cdb(INQUIRY, 0, 0, 0, 96, 0), buf);
        assertGood(t);
        byte[] r = bytes(buf, 74);
        assertEquals(0, r[0]);
        assertEquals(0x06, r[2]);
        assertEquals("JVHOST  ", new String(r, 8, 8, StandardCharsets.US_ASCII));
        assertEquals("Malloc disk     ", new String(r, 16, 16, StandardCharsets.US_ASCII));
        assertEquals(74, t.transferred());
        assertEquals(96 - 74, t.residual());
    }

    @Test
    void shouldListAndServeEveryVpdPage() {
        MemorySegment buf = h.buffer(255);
        assertGood(h.in(cdb(INQUIRY, 1, 0x00, 0, 255, 0), buf));
        byte[] pages = bytes(buf, 4 + Inquiry.PAGES.length);
        assertEquals(Inquiry.PAGES.length, pages[3]);
        for (int i = 0; i < Inquiry.PAGES.length; i++) {
            assertEquals((byte) Inquiry.PAGES[i], pages[4 + i]);
            ScsiTask t = h.in(cdb(INQUIRY, 1, Inquiry.PAGES[i], 0, 255, 0), buf);
            assertGood(t);
            assertEquals((byte) Inquiry.PAGES[i], buf.get(ValueLayout.JAVA_BYTE, 1), "page code echoed");
        }
        String uuid = h.bdevs.find("Malloc0").orElseThrow().uuid().toString().replace("-", "");
        h.in(cdb(INQUIRY, 1, 0x80, 0, 255, 0), buf);
        assertEquals(uuid, new String(bytes(buf, 36), 4, 32, StandardCharsets.US_ASCII));
        h.in(cdb(INQUIRY, 1, 0x83, 0, 255, 0), buf);
        byte[] id = bytes(buf, 24);
        assertEquals(0x03, id[5] & 0x0F, "first designator is NAA");
        assertEquals(0x60, id[8] & 0xF0, "NAA 6");
        h.in(cdb(INQUIRY, 1, 0xB0, 0, 255, 0), buf);
        assertEquals(Inquiry.MAX_UNMAP_DESCRIPTORS, (int) be(bytes(buf, 64), 24, 4));
        h.in(cdb(INQUIRY, 1, 0xB2, 0, 255, 0), buf);
        assertEquals(0x80, bytes(buf, 8)[5] & 0x80, "LBPU: UNMAP supported");
        assertCheck(h.in(cdb(INQUIRY, 1, 0xC7, 0, 255, 0), buf), ILLEGAL_REQUEST, INVALID_FIELD_IN_CDB);
        assertCheck(h.in(cdb(INQUIRY, 0, 0x80, 0, 255, 0), buf), ILLEGAL_REQUEST, INVALID_FIELD_IN_CDB);
    }

    @Test
    void shouldReportCapacityWith10And16ByteCommands() {
        MemorySegment buf = h.buffer(32);
        assertGood(h.in(cdb(READ_CAPACITY_10, 0, 0, 0, 0, 0, 0, 0, 0, 0), buf));
        byte[] r = bytes(buf, 8);
        assertEquals(BLOCKS - 1, be(r, 0, 4));
        assertEquals(BS, be(r, 4, 4));
        assertGood(h.in(cdb(SERVICE_ACTION_IN_16, SAI_READ_CAPACITY_16, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 32, 0, 0), buf));
        r = bytes(buf, 32);
        assertEquals(BLOCKS - 1, be(r, 0, 8));
        assertEquals(BS, be(r, 8, 4));
        assertEquals(0xC0, r[14] & 0xC0, "LBPME and LBPRZ");
    }

    @Test
    void shouldWriteAndReadBackWithEveryCdbSize() {
        Random random = new Random(3);
        int[][] ops = {{WRITE_6, READ_6}, {WRITE_10, READ_10}, {WRITE_12, READ_12}, {WRITE_16, READ_16}};
        for (int i = 0; i < ops.length; i++) {
            long lba = 10 + 4L * i;
            byte[] data = new byte[2 * BS];
            random.nextBytes(data);
            MemorySegment out = h.buffer(data.length);
            MemorySegment.copy(data, 0, out, ValueLayout.JAVA_BYTE, 0, data.length);
            assertGood(h.out(rw(ops[i][0], lba, 2), out));
            MemorySegment in = h.buffer(data.length);
            ScsiTask t = h.in(rw(ops[i][1], lba, 2), in);
            assertGood(t);
            assertEquals(data.length, t.transferred());
            assertArrayEquals(data, bytes(in, data.length), "opcode " + Integer.toHexString(ops[i][1]));
        }
    }

    private static byte[] rw(int op, long lba, int blocks) {
        return switch (op) {
            case READ_6, WRITE_6 -> cdb(op, (int) (lba >>> 16) & 0x1F, (int) (lba >>> 8) & 0xFF, (int) lba & 0xFF, blocks, 0);
            case READ_10, WRITE_10 -> rw10(op, lba, blocks);
            case READ_12, WRITE_12 -> {
                byte[] b = new byte[12];
                b[0] = (byte) op;
                putBe(b, 2, 4, lba);
                putBe(b, 6, 4, blocks);
                yield b;
            }
            default -> rw16(op, lba, blocks);
        };
    }

    @Test
    void shouldFailOutOfRangeWithFixedSenseThenDescriptorSenseAfterModeSelect() {
        MemorySegment buf = h.buffer(BS);
        ScsiTask t = h.in(rw10(READ_10, BLOCKS, 1), buf);
        assertCheck(t, ILLEGAL_REQUEST, LBA_OUT_OF_RANGE);
        assertEquals(0x70, t.sense()[0] & 0x7F, "fixed format by default");
        assertEquals(0, t.transferred());
        // control page with D_SENSE set
        MemorySegment sel = h.buffer(16);
        byte[] p = new byte[16];
        p[4] = ModePages.CONTROL;
        p[5] = 0x0A;
        p[6] = 0x04;
        p[7] = 0x10;
        MemorySegment.copy(p, 0, sel, ValueLayout.JAVA_BYTE, 0, 16);
        assertGood(h.out(cdb(MODE_SELECT_6, 0x10, 0, 0, 16, 0), sel));
        t = h.in(rw16(READ_16, BLOCKS - 1, 2), buf);
        assertCheck(t, ILLEGAL_REQUEST, LBA_OUT_OF_RANGE);
        assertEquals(0x72, t.sense()[0] & 0x7F, "descriptor format once D_SENSE is set");
        // REQUEST SENSE honours its own DESC bit
        MemorySegment rs = h.buffer(252);
        ScsiTask r = h.in(cdb(REQUEST_SENSE, 1, 0, 0, 252, 0), rs);
        assertGood(r);
        assertEquals(0x72, rs.get(ValueLayout.JAVA_BYTE, 0) & 0x7F);
    }

    @Test
    void shouldRejectUnknownOpcodesNacaAndTransfersLargerThanTheBuffers() {
        assertCheck(h.none(cdb(0xC5, 0, 0, 0, 0, 0)), ILLEGAL_REQUEST, INVALID_OPCODE);
        assertCheck(h.none(cdb(0x66, 0, 0, 0, 0, 0, 0, 0, 0, 0)), ILLEGAL_REQUEST, INVALID_OPCODE);
        assertCheck(h.none(cdb(TEST_UNIT_READY, 0, 0, 0, 0, 0x04)), ILLEGAL_REQUEST, INVALID_FIELD_IN_CDB);
        MemorySegment small = h.buffer(BS);
        assertCheck(h.in(rw10(READ_10, 0, 2), small), ILLEGAL_REQUEST, INVALID_FIELD_IN_CDB);
        assertCheck(h.out(rw10(READ_10, 0, 1), small), ILLEGAL_REQUEST, INVALID_FIELD_IN_CDB);
        assertCheck(h.none(rw10(WRITE_10, 0, 1)), ILLEGAL_REQUEST, INVALID_FIELD_IN_CDB);
        assertGood(h.none(rw10(READ_10, 0, 0)));
        assertGood(h.none(cdb(TEST_UNIT_READY, 0, 0, 0, 0, 0)));
    }

    @Test
    void shouldAnswerForMissingLunsAsSpcSays() {
        MemorySegment buf = h.buffer(64);
        ScsiTask t = h.run(5, cdb(INQUIRY, 0, 0, 0, 36, 0), buf, ScsiTask.Direction.FROM_DEVICE);
        assertGood(t);
        assertEquals(0x7F, buf.get(ValueLayout.JAVA_BYTE, 0) & 0xFF, "peripheral qualifier 3");
        t = h.run(5, cdb(TEST_UNIT_READY, 0, 0, 0, 0, 0), null, ScsiTask.Direction.NONE);
        assertEquals(ScsiTask.CHECK_CONDITION, t.status());
        assertEquals(LUN_NOT_SUPPORTED, asc(t));
    }

    @Test
    void shouldReportLunsIncludingOnesAttachedAtRunTime() {
        h.addMalloc("Malloc1", 512, 2048);
        h.target.attachLun(3, "Malloc1");
        MemorySegment buf = h.buffer(64);
        assertGood(h.in(cdb(REPORT_LUNS, 0, 0, 0, 0, 0, 0, 0, 0, 64, 0, 0), buf));
        byte[] r = bytes(buf, 24);
        assertEquals(16, be(r, 0, 4));
        assertEquals(0, r[9]);
        assertEquals(3, r[17]);
        // the new LUN has its own geometry
        ScsiTask t = h.run(3, cdb(READ_CAPACITY_10, 0, 0, 0, 0, 0, 0, 0, 0, 0), buf, ScsiTask.Direction.FROM_DEVICE);
        assertGood(t);
        assertEquals(512, be(bytes(buf, 8), 4, 4));
        assertCheck(h.in(cdb(REPORT_LUNS, 0, 0, 0, 0, 0, 0, 0, 0, 8, 0, 0), buf), ILLEGAL_REQUEST, INVALID_FIELD_IN_CDB);
        h.detach(3);
        t = h.run(3, cdb(TEST_UNIT_READY, 0, 0, 0, 0, 0), null, ScsiTask.Direction.NONE);
        assertEquals(LUN_NOT_SUPPORTED, asc(t));
        assertEquals(java.util.List.of("attached 0", "attached 3", "detached 3"), h.events);
    }

    @Test
    void shouldUnmapToZeroesAndRefuseBadParameterLists() {
        MemorySegment data = h.buffer(4 * BS);
        data.fill((byte) 0x5A);
        assertGood(h.out(rw10(WRITE_10, 100, 4), data));
        MemorySegment params = h.buffer(24);
        byte[] p = new byte[24];
        putBe(p, 0, 2, 22);
        putBe(p, 2, 2, 16);
        putBe(p, 8, 8, 101);
        putBe(p, 16, 4, 2);
        MemorySegment.copy(p, 0, params, ValueLayout.JAVA_BYTE, 0, 24);
        assertGood(h.out(cdb(UNMAP, 0, 0, 0, 0, 0, 0, 0, 24, 0), params));
        MemorySegment back = h.buffer(4 * BS);
        assertGood(h.in(rw10(READ_10, 100, 4), back));
        assertEquals(0x5A, back.get(ValueLayout.JAVA_BYTE, 0));
        assertEquals(0, back.get(ValueLayout.JAVA_BYTE, BS));
        assertEquals(0, back.get(ValueLayout.JAVA_BYTE, 3 * BS - 1));
        assertEquals(0x5A, back.get(ValueLayout.JAVA_BYTE, 3 * BS));
        // a descriptor past the end, and a list shorter than its header
        putBe(p, 8, 8, BLOCKS - 1);
        MemorySegment.copy(p, 0, params, ValueLayout.JAVA_BYTE, 0, 24);
        assertCheck(h.out(cdb(UNMAP, 0, 0, 0, 0, 0, 0, 0, 24, 0), params), ILLEGAL_REQUEST, LBA_OUT_OF_RANGE);
        assertCheck(h.out(cdb(UNMAP, 0, 0, 0, 0, 0, 0, 0, 4, 0), params), ILLEGAL_REQUEST, PARAMETER_LIST_LENGTH_ERROR);
        assertCheck(h.out(cdb(UNMAP, 0, 0, 0, 0, 0, 0, 0, 200, 0), params), ILLEGAL_REQUEST, PARAMETER_LIST_LENGTH_ERROR);
    }

    @Test
    void shouldWriteSamePatternsZeroesAndUnmap() {
        MemorySegment block = h.buffer(BS);
        for (int i = 0; i < BS; i++) {
            block.set(ValueLayout.JAVA_BYTE, i, (byte) i);
        }
        // 100 blocks: more than one scratch chunk of 64
        byte[] ws16 = rw16(WRITE_SAME_16, 200, 100);
        assertGood(h.out(ws16, block));
        MemorySegment back = h.buffer(100L * BS);
        assertGood(h.in(rw16(READ_16, 200, 100), back));
        for (int b = 0; b < 100; b++) {
            assertEquals(-1, MemorySegment.mismatch(block, 0, BS, back, (long) b * BS, (long) (b + 1) * BS), "block " + b);
        }
        // zero block with UNMAP set: unmapped, reads zeroes
        block.fill((byte) 0);
        byte[] ws10 = rw10(WRITE_SAME_10, 200, 50);
        ws10[1] = 0x08;
        assertGood(h.out(ws10, block));
        assertGood(h.in(rw16(READ_16, 200, 100), back));
        assertEquals(0, back.get(ValueLayout.JAVA_BYTE, 49L * BS + 7));
        assertEquals(7, back.get(ValueLayout.JAVA_BYTE, 50L * BS + 7));
        assertCheck(h.out(rw10(WRITE_SAME_10, 0, 0), block), ILLEGAL_REQUEST, INVALID_FIELD_IN_CDB);
        assertCheck(h.out(rw10(WRITE_SAME_10, BLOCKS - 1, 2), block), ILLEGAL_REQUEST, LBA_OUT_OF_RANGE);
    }

    @Test
    void shouldCompareAndWriteAndReportTheFirstMismatchingByte() {
        MemorySegment data = h.buffer(2 * BS);
        data.fill((byte) 1);
        assertGood(h.out(rw10(WRITE_10, 300, 2), data));
        MemorySegment caw = h.buffer(4 * BS);
        caw.asSlice(0, 2 * BS).fill((byte) 1);
        caw.asSlice(2 * BS, 2 * BS).fill((byte) 2);
        byte[] cdb = new byte[16];
        cdb[0] = (byte) COMPARE_AND_WRITE;
        putBe(cdb, 2, 8, 300);
        cdb[13] = 2;
        assertGood(h.out(cdb, caw));
        MemorySegment back = h.buffer(2 * BS);
        assertGood(h.in(rw10(READ_10, 300, 2), back));
        assertEquals(2, back.get(ValueLayout.JAVA_BYTE, 2 * BS - 1));
        // the device now holds 2s: comparing against 1s fails at byte 0, and nothing is written
        caw.asSlice(2 * BS, 2 * BS).fill((byte) 3);
        ScsiTask t = h.out(cdb, caw);
        assertCheck(t, MISCOMPARE, MISCOMPARE_DURING_VERIFY);
        assertEquals(0x80, t.sense()[0] & 0x80, "INFORMATION valid");
        assertEquals(0, be(t.sense(), 3, 4));
        // mismatch in the middle of the second block
        caw.asSlice(0, 2 * BS).fill((byte) 2);
        caw.set(ValueLayout.JAVA_BYTE, BS + 17, (byte) 9);
        t = h.out(cdb, caw);
        assertEquals(BS + 17, be(t.sense(), 3, 4));
        assertGood(h.in(rw10(READ_10, 300, 2), back));
        assertEquals(2, back.get(ValueLayout.JAVA_BYTE, 0), "miscompare wrote nothing");
    }

    @Test
    void shouldServeModePagesAndRefuseChangesToFixedFields() {
        MemorySegment buf = h.buffer(255);
        ScsiTask t = h.in(cdb(MODE_SENSE_6, 0, 0x3F, 0, 255, 0), buf);
        assertGood(t);
        byte[] r = bytes(buf, (int) t.transferred());
        assertEquals(t.transferred() - 1, r[0] & 0xFF, "mode data length");
        assertEquals(8, r[3], "block descriptor");
        assertEquals(BS, be(r, 9, 3));
        assertEquals(4 + 8 + 12 + 20 + 12, t.transferred());
        assertEquals(ModePages.CACHING, r[24] & 0x3F);
        assertEquals(0x04, r[26] & 0x04, "WCE: malloc accepts flushes");
        t = h.in(cdb(MODE_SENSE_10, 0x08, 0x40 | ModePages.CONTROL, 0, 0, 0, 0, 0, 255, 0), buf);
        assertGood(t);
        assertEquals(8 + 12, t.transferred(), "DBD: no block descriptor");
        assertEquals(0x04, buf.get(ValueLayout.JAVA_BYTE, 10) & 0x04, "D_SENSE is changeable");
        assertCheck(h.in(cdb(MODE_SENSE_6, 0, 0xC0 | 0x08, 0, 255, 0), buf), ILLEGAL_REQUEST,
                SAVING_PARAMETERS_NOT_SUPPORTED);
        assertCheck(h.in(cdb(MODE_SENSE_6, 0, 0x1C, 0, 255, 0), buf), ILLEGAL_REQUEST, INVALID_FIELD_IN_CDB);
        // caching page with WCE cleared is accepted; changing a fixed byte is not
        byte[] p = new byte[24];
        p[4] = ModePages.CACHING;
        p[5] = 0x12;
        MemorySegment sel = h.buffer(24);
        MemorySegment.copy(p, 0, sel, ValueLayout.JAVA_BYTE, 0, 24);
        assertGood(h.out(cdb(MODE_SELECT_6, 0x10, 0, 0, 24, 0), sel));
        h.in(cdb(MODE_SENSE_6, 0x08, ModePages.CACHING, 0, 255, 0), buf);
        assertEquals(0, buf.get(ValueLayout.JAVA_BYTE, 6) & 0x04, "WCE now clear");
        sel.set(ValueLayout.JAVA_BYTE, 4 + 3, (byte) 0x55);
        assertCheck(h.out(cdb(MODE_SELECT_6, 0x10, 0, 0, 24, 0), sel), ILLEGAL_REQUEST, INVALID_FIELD_IN_PARAMETER_LIST);
        assertCheck(h.out(cdb(MODE_SELECT_6, 0x11, 0, 0, 24, 0), sel), ILLEGAL_REQUEST, INVALID_FIELD_IN_CDB);
        // writes still work with the cache off (each followed by a flush)
        MemorySegment data = h.buffer(BS);
        assertGood(h.out(rw10(WRITE_10, 5, 1), data));
    }

    @Test
    void shouldAcceptCacheSyncReservationsAndStartStop() {
        assertGood(h.none(cdb(SYNCHRONIZE_CACHE_10, 0, 0, 0, 0, 0, 0, 0, 0, 0)));
        assertGood(h.none(rw16(SYNCHRONIZE_CACHE_16, 0, BLOCKS)));
        assertCheck(h.none(rw16(SYNCHRONIZE_CACHE_16, BLOCKS, 1)), ILLEGAL_REQUEST, LBA_OUT_OF_RANGE);
        assertGood(h.none(cdb(RESERVE_6, 0, 0, 0, 0, 0)));
        assertGood(h.none(cdb(RELEASE_10, 0, 0, 0, 0, 0, 0, 0, 0, 0)));
        assertGood(h.none(cdb(START_STOP_UNIT, 0, 0, 0, 1, 0)));
    }

    @Test
    void shouldReportMediumErrorsFromTheBdev() {
        h.addFaulty("Bad0", BS, 64, 10);
        h.target.attachLun(1, "Bad0");
        MemorySegment buf = h.buffer(4 * BS);
        ScsiTask t = h.run(1, rw10(READ_10, 8, 4), buf, ScsiTask.Direction.FROM_DEVICE);
        assertCheck(t, MEDIUM_ERROR, UNRECOVERED_READ_ERROR);
        assertEquals(0, t.transferred());
        t = h.run(1, rw10(WRITE_10, 9, 2), buf, ScsiTask.Direction.TO_DEVICE);
        assertCheck(t, MEDIUM_ERROR, WRITE_ERROR);
        assertGood(h.run(1, rw10(READ_10, 11, 4), buf, ScsiTask.Direction.FROM_DEVICE));
    }

    @Test
    void shouldTranslateAnNvmeStatusFromTheBdevIntoSense() {
        int[][] cases = {
            {2, 0x81, MEDIUM_ERROR, UNRECOVERED_READ_ERROR}, // unrecovered read error
            {2, 0x80, MEDIUM_ERROR, WRITE_ERROR}, // write fault
            {0, 0x80, ILLEGAL_REQUEST, LBA_OUT_OF_RANGE},
            {0, 0x06, Scsi.HARDWARE_ERROR, Scsi.INTERNAL_TARGET_FAILURE},
            {0, 0x07, Scsi.ABORTED_COMMAND, Scsi.ASC_NONE},
            {2, 0x86, Scsi.DATA_PROTECT, Scsi.ACCESS_DENIED},
            {1, 0x99, MEDIUM_ERROR, UNRECOVERED_READ_ERROR}, // no SCSI counterpart: a medium error of the direction
        };
        MemorySegment buf = h.buffer(BS);
        for (int i = 0; i < cases.length; i++) {
            int[] c = cases[i];
            String name = "Nvme" + i;
            h.addFaulty(name, BS, 64, 3, io.jvhost.bdev.BdevIo.nvmeError(c[0], c[1]));
            h.target.attachLun(i + 1, name);
            assertCheck(h.run(i + 1, rw10(READ_10, 3, 1), buf, ScsiTask.Direction.FROM_DEVICE), c[2], c[3]);
        }
        assertCheck(h.run(7, rw10(WRITE_10, 3, 1), buf, ScsiTask.Direction.TO_DEVICE), MEDIUM_ERROR, WRITE_ERROR);
    }

    @Test
    void shouldReportCapacityChangeAsUnitAttentionOnce() {
        h.bdevs.resize("Malloc0", BLOCKS / 2);
        assertEquals(java.util.List.of("attached 0", "resized 0"), h.events);
        ScsiTask t = h.none(cdb(TEST_UNIT_READY, 0, 0, 0, 0, 0));
        assertCheck(t, UNIT_ATTENTION, CAPACITY_DATA_CHANGED);
        assertGood(h.none(cdb(TEST_UNIT_READY, 0, 0, 0, 0, 0)));
        MemorySegment buf = h.buffer(8);
        h.in(cdb(READ_CAPACITY_10, 0, 0, 0, 0, 0, 0, 0, 0, 0), buf);
        assertEquals(BLOCKS / 2 - 1, be(bytes(buf, 8), 0, 4));
    }
}
