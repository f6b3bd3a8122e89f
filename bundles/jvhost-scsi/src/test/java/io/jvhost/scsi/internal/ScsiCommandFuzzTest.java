package io.jvhost.scsi.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.jvhost.scsi.ScsiTask;
import io.jvhost.scsi.ScsiTmf;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/**
 * Feeds fuzzer-written CDBs (every opcode, any length up to 32 bytes, any data direction and buffer
 * size, several in flight, mixed with task management) to a target with a RAM-disk LUN 0 and a
 * faulty LUN 1. A finding is an exception, a task that never completes, a status the target must not
 * return, CHECK CONDITION without well-formed sense, or more bytes moved than the buffers hold.
 */
class ScsiCommandFuzzTest {
    private static final int BS = 512, BLOCKS = 64;
    private static final ScsiTask.Direction[] DIRECTIONS = ScsiTask.Direction.values();
    private static final ScsiTmf.Function[] FUNCTIONS = ScsiTmf.Function.values();

    @FuzzTest(maxDuration = "30s")
    void executeCommands(FuzzedDataProvider data) {
        try (ScsiHarness h = new ScsiHarness(BS, BLOCKS)) {
            h.addFaulty("Faulty0", BS, BLOCKS, 7);
            h.target.attachLun(1, "Faulty0");
            List<ScsiTask> inFlight = new ArrayList<>();
            for (int n = 0; n < 16 && data.remainingBytes() > 0; n++) {
                if (data.consumeInt(0, 7) == 0) {
                    h.tmf(FUNCTIONS[data.consumeInt(0, FUNCTIONS.length - 1)], data.consumeInt(0, 2),
                            inFlight.isEmpty() ? data.consumeLong() : inFlight.getLast().tag());
                } else {
                    ScsiTask t = task(h, data, n);
                    inFlight.add(t);
                    h.channel.execute(t);
                }
                if (data.consumeBoolean()) {
                    h.reactor.step();
                }
            }
            h.stepUntil(() -> inFlight.stream().allMatch(t -> h.completions.contains("task " + t.tag())));
            for (ScsiTask t : inFlight) {
                check(t);
            }
        }
    }

    private static ScsiTask task(ScsiHarness h, FuzzedDataProvider data, int n) {
        int cdbLength = data.consumeInt(1, ScsiTask.CDB_MAX);
        byte[] cdb = data.consumeBytes(cdbLength);
        ScsiTask t = new ScsiTask(8);
        t.prepare(data.consumeInt(0, 2), n, cdbLength, done -> h.completions.add("task " + done.tag()));
        System.arraycopy(cdb, 0, t.cdb, 0, cdb.length);
        ScsiTask.Direction dir = DIRECTIONS[data.consumeInt(0, DIRECTIONS.length - 1)];
        if (dir != ScsiTask.Direction.NONE) {
            int segments = data.consumeInt(1, 3);
            for (int s = 0; s < segments; s++) {
                int bytes = data.consumeInt(1, 3 * BS);
                MemorySegment buf = h.buffer(bytes);
                t.addData(buf, 0, bytes, dir);
            }
        }
        return t;
    }

    private static void check(ScsiTask t) {
        assertTrue(t.transferred() >= 0 && t.transferred() <= t.dataBytes(),
                "moved " + t.transferred() + " of " + t.dataBytes() + " bytes");
        if (t.outcome() != ScsiTask.COMPLETED) {
            return;
        }
        int status = t.status();
        assertTrue(status == ScsiTask.GOOD || status == ScsiTask.CHECK_CONDITION || status == ScsiTask.BUSY
                || status == ScsiTask.RESERVATION_CONFLICT || status == ScsiTask.TASK_SET_FULL,
                "status 0x" + Integer.toHexString(status) + " for opcode 0x" + Integer.toHexString(t.cdb[0] & 0xFF));
        if (status == ScsiTask.CHECK_CONDITION) {
            int len = t.senseLength();
            byte[] s = t.sense();
            assertTrue(len >= 8 && len <= ScsiTask.SENSE_MAX, "sense of " + len + " bytes");
            int code = s[0] & 0x7F;
            assertTrue(code == 0x70 || code == 0x72, "sense response code 0x" + Integer.toHexString(code));
            int additional = code == 0x72 ? s[7] & 0xFF : s[7] & 0xFF;
            assertEquals(8 + additional, len, "sense length matches its additional length");
        }
    }
}
