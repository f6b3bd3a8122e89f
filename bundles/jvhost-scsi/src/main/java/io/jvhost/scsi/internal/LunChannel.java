package io.jvhost.scsi.internal;

import io.jvhost.bdev.BdevIo;
import io.jvhost.bdev.IoChannel;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * One LUN on one reactor: the bdev channel, the tasks in flight (an intrusive list, so task
 * management can find them without allocating per command) and a scratch buffer for the few
 * commands that need memory of their own (WRITE SAME patterns, COMPARE AND WRITE reads), lent to one
 * task at a time.
 */
final class LunChannel implements BdevIo.Completion {
    /** Scratch size: room for the largest COMPARE AND WRITE read and a useful WRITE SAME chunk. */
    static final int SCRATCH_BYTES = 256 * 1024;

    final TargetChannel owner;
    final Lun lun;
    private IoChannel io;
    private TaskState head;
    private int inFlight;
    boolean retiring;
    private MemorySegment scratch;
    private boolean scratchBusy;
    /** Tasks waiting for the scratch buffer, oldest first (rare: grows on the control of a burst). */
    private TaskState[] waiters = new TaskState[4];
    private int waiterCount;

    LunChannel(TargetChannel owner, Lun lun, IoChannel io) {
        this.owner = owner;
        this.lun = lun;
        this.io = io;
    }

    void track(TaskState s) {
        s.prev = null;
        s.next = head;
        if (head != null) {
            head.prev = s;
        }
        head = s;
        inFlight++;
    }

    void untrack(TaskState s) {
        if (s.prev != null) {
            s.prev.next = s.next;
        } else {
            head = s.next;
        }
        if (s.next != null) {
            s.next.prev = s.prev;
        }
        s.prev = null;
        s.next = null;
        inFlight--;
    }

    int inFlight() {
        return inFlight;
    }

    void collect(Target.TaskMatcher match, List<TaskState> out) {
        for (TaskState s = head; s != null; s = s.next) {
            if (match.matches(s)) {
                out.add(s);
            }
        }
    }

    /** Sends {@code s.task.io} to the bdev; the result comes back through {@link #ioCompleted}. */
    void submit(TaskState s) {
        BdevIo bio = s.task.io;
        bio.context = s;
        io.submit(bio);
    }

    @Override
    public void ioCompleted(BdevIo bio, int status) {
        BlockCommands.ioDone(this, (TaskState) bio.context, status);
    }

    void finish(TaskState s) {
        owner.finish(s);
    }

    /** Lends the scratch buffer to {@code s}, or queues {@code s} until it is free; true when lent now. */
    boolean acquireScratch(TaskState s) {
        if (!scratchBusy) {
            scratchBusy = true;
            if (scratch == null) {
                scratch = Arena.ofAuto().allocate(SCRATCH_BYTES, 4096);
            }
            return true;
        }
        // waiting tasks stay in the in-flight list (task management finds them there)
        s.waiting = true;
        if (waiterCount == waiters.length) {
            waiters = java.util.Arrays.copyOf(waiters, waiters.length * 2);
        }
        waiters[waiterCount++] = s;
        return false;
    }

    void dequeue(TaskState s) {
        for (int i = 0; i < waiterCount; i++) {
            if (waiters[i] == s) {
                System.arraycopy(waiters, i + 1, waiters, i, waiterCount - i - 1);
                waiters[--waiterCount] = null;
                break;
            }
        }
        s.waiting = false;
    }

    MemorySegment scratch() {
        return scratch;
    }

    /** Returns the scratch buffer and starts the next waiting task. */
    void releaseScratch() {
        scratchBusy = false;
        if (waiterCount > 0) {
            TaskState next = waiters[0];
            dequeue(next);
            BlockCommands.resume(this, next);
        }
    }

    void close() {
        if (io != null) {
            io.close();
            io = null;
        }
    }
}
