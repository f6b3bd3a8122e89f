package io.jvhost.scsi.internal;

import static io.jvhost.scsi.internal.Scsi.*;
import static io.jvhost.scsi.internal.ScsiHarness.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jvhost.scsi.ScsiTask;
import io.jvhost.scsi.ScsiTmf;
import java.lang.foreign.MemorySegment;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Task management across a command's life: a function placed between submission and completion ends
 * the command with the right outcome and answers only after the command completed.
 */
class ScsiTaskManagementTest {
    private static final int BS = 4096;
    private final ScsiHarness h = new ScsiHarness(BS, 256);

    @AfterEach
    void tearDown() {
        h.close();
    }

    private ScsiTask submitRead(long tag, long lba) {
        ScsiTask t = h.task(0, tag, rw10(READ_10, lba, 1), h.buffer(BS), ScsiTask.Direction.FROM_DEVICE);
        h.channel.execute(t);
        return t;
    }

    @Test
    void shouldAbortTheNamedTaskAndAnswerAfterItCompleted() {
        ScsiTask victim = submitRead(7, 1);
        ScsiTask other = submitRead(8, 2);
        ScsiTmf abort = h.tmf(ScsiTmf.Function.ABORT_TASK, 0, 7);
        h.stepUntil(() -> abort.response() != null && h.completions.size() == 3);
        assertEquals(ScsiTmf.Response.FUNCTION_COMPLETE, abort.response());
        assertEquals(ScsiTask.ABORTED, victim.outcome());
        assertEquals(ScsiTask.COMPLETED, other.outcome());
        assertEquals(ScsiTask.GOOD, other.status());
        assertTrue(h.completions.indexOf("task 7") < h.completions.indexOf("tmf ABORT_TASK"),
                "the aborted task completes before the function answers: " + h.completions);
        assertEquals(0, h.channel.inFlight());
    }

    @Test
    void shouldAnswerAbortOfAnUnknownTaskAtOnce() {
        ScsiTmf abort = h.tmf(ScsiTmf.Function.ABORT_TASK, 0, 99);
        h.stepUntil(() -> abort.response() != null);
        assertEquals(ScsiTmf.Response.FUNCTION_COMPLETE, abort.response());
    }

    @Test
    void shouldQueryTasksWithoutEndingThem() {
        ScsiTask t = submitRead(5, 3);
        ScsiTmf query = h.tmf(ScsiTmf.Function.QUERY_TASK, 0, 5);
        ScsiTmf missing = h.tmf(ScsiTmf.Function.QUERY_TASK, 0, 6);
        h.stepUntil(() -> query.response() != null && missing.response() != null && h.completions.contains("task 5"));
        assertEquals(ScsiTmf.Response.FUNCTION_SUCCEEDED, query.response());
        assertEquals(ScsiTmf.Response.FUNCTION_COMPLETE, missing.response());
        assertEquals(ScsiTask.COMPLETED, t.outcome());
    }

    @Test
    void shouldResetTheLunEndingEveryTaskAndRaiseUnitAttention() {
        ScsiTask a = submitRead(1, 1);
        ScsiTask b = submitRead(2, 2);
        ScsiTmf reset = h.tmf(ScsiTmf.Function.LOGICAL_UNIT_RESET, 0, 0);
        h.stepUntil(() -> reset.response() != null);
        assertEquals(ScsiTmf.Response.FUNCTION_COMPLETE, reset.response());
        assertEquals(ScsiTask.RESET, a.outcome());
        assertEquals(ScsiTask.RESET, b.outcome());
        ScsiTask tur = h.none(cdb(TEST_UNIT_READY, 0, 0, 0, 0, 0));
        assertEquals(ScsiTask.CHECK_CONDITION, tur.status());
        assertEquals(UNIT_ATTENTION, senseKey(tur));
        assertEquals(RESET_OCCURRED, asc(tur));
        assertEquals(ScsiTask.GOOD, h.none(cdb(TEST_UNIT_READY, 0, 0, 0, 0, 0)).status());
    }

    @Test
    void shouldAbortTheTaskSetAndRejectUnknownLunsAndClearAca() {
        ScsiTask a = submitRead(1, 1);
        ScsiTmf set = h.tmf(ScsiTmf.Function.ABORT_TASK_SET, 0, 0);
        ScsiTmf wrongLun = h.tmf(ScsiTmf.Function.LOGICAL_UNIT_RESET, 9, 0);
        ScsiTmf aca = h.tmf(ScsiTmf.Function.CLEAR_ACA, 0, 0);
        h.stepUntil(() -> set.response() != null && wrongLun.response() != null && aca.response() != null);
        assertEquals(ScsiTask.ABORTED, a.outcome());
        assertEquals(ScsiTmf.Response.INCORRECT_LUN, wrongLun.response());
        assertEquals(ScsiTmf.Response.FUNCTION_REJECTED, aca.response());
    }

    @Test
    void shouldAbortATaskWaitingForTheScratchBuffer() {
        MemorySegment block = h.buffer(BS);
        block.fill((byte) 7);
        ScsiTask first = h.task(0, 1, rw16(WRITE_SAME_16, 0, 200), block, ScsiTask.Direction.TO_DEVICE);
        ScsiTask second = h.task(0, 2, rw16(WRITE_SAME_16, 0, 10), block, ScsiTask.Direction.TO_DEVICE);
        h.channel.execute(first);
        h.channel.execute(second); // waits: the first holds the scratch buffer
        ScsiTmf abort = h.tmf(ScsiTmf.Function.ABORT_TASK, 0, 2);
        h.stepUntil(() -> abort.response() != null && h.completions.contains("task 1"));
        assertEquals(ScsiTask.ABORTED, second.outcome());
        assertEquals(ScsiTask.COMPLETED, first.outcome());
        assertEquals(ScsiTask.GOOD, first.status());
        assertEquals(List.of("task 2", "tmf ABORT_TASK", "task 1"), h.completions.subList(0, 3));
    }

    @Test
    void shouldDetachALunOnlyAfterItsCommandsFinished() {
        ScsiTask t = submitRead(3, 4);
        h.detach(0);
        assertEquals(ScsiTask.GOOD, t.status());
        assertEquals(ScsiTask.COMPLETED, t.outcome());
        assertEquals(LUN_NOT_SUPPORTED, asc(h.none(cdb(TEST_UNIT_READY, 0, 0, 0, 0, 0))));
        assertTrue(h.bdevs.find("Malloc0").orElseThrow().openers().isEmpty(), "bdev released");
    }
}
