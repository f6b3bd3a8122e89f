package io.jvhost.scsi.internal;

import io.jvhost.scsi.ScsiTask;

/**
 * What the SCSI layer keeps for one task object while it runs: its place in its LUN channel's
 * in-flight list, the step of a multi-step command, and whether task management ended it. Created
 * once per task object and reused.
 */
final class TaskState {
    final ScsiTask task;
    TargetChannel target;
    LunChannel lun;
    TaskState prev;
    TaskState next;
    /** Non-zero once ended by task management: {@link ScsiTask#ABORTED} or {@link ScsiTask#RESET}. */
    int killed;
    /** The function waiting for this task to end. */
    TmfWait waiter;
    /** True while queued for its LUN channel's scratch buffer. */
    boolean waiting;

    // multi-step commands
    int step;
    long lba;
    long blocks;
    long done;
    int index;
    boolean fua;
    /** Parameter data copied out of the initiator's buffers (UNMAP, MODE SELECT), made on first use. */
    byte[] params;

    private TaskState(ScsiTask task) {
        this.task = task;
    }

    static TaskState of(ScsiTask task) {
        Object s = task.executorState;
        if (s instanceof TaskState ts) {
            return ts;
        }
        TaskState ts = new TaskState(task);
        task.executorState = ts;
        return ts;
    }

    void begin(TargetChannel target, LunChannel lun) {
        this.target = target;
        this.lun = lun;
        this.killed = 0;
        this.waiter = null;
        this.waiting = false;
        this.step = 0;
        this.done = 0;
        this.index = 0;
        this.fua = false;
    }

    byte[] params(int size) {
        if (params == null || params.length < size) {
            params = new byte[Math.max(size, 512)];
        }
        return params;
    }

    int opcode() {
        return task.cdb[0] & 0xFF;
    }
}
