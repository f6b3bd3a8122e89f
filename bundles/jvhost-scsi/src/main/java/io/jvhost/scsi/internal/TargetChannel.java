package io.jvhost.scsi.internal;

import io.jvhost.reactor.Reactor;
import io.jvhost.scsi.ScsiChannel;
import io.jvhost.scsi.ScsiTask;
import io.jvhost.scsi.ScsiTmf;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntConsumer;

/**
 * A target on one reactor: one {@link LunChannel} per LUN, opened and retired as the target's LUN
 * table changes, and the in-flight accounting task management and queue stops rely on.
 */
final class TargetChannel implements ScsiChannel {
    private final Target target;
    private final Reactor reactor;
    private Lun[] seen = Target.EMPTY;
    private LunChannel[] luns = new LunChannel[0];
    private final List<LunChannel> retiring = new ArrayList<>();
    private final List<Runnable> onRetired = new ArrayList<>();
    /** Response bytes of the command being built (commands that move parameter data finish synchronously). */
    final byte[] response = new byte[8 + 8 * (io.jvhost.scsi.ScsiTarget.MAX_LUN + 1)];
    private int inFlight;
    private boolean closed;

    TargetChannel(Target target, Reactor reactor) {
        this.target = target;
        this.reactor = reactor;
    }

    Reactor reactor() {
        return reactor;
    }

    Target target() {
        return target;
    }

    @Override
    public void execute(ScsiTask task) {
        TaskState s = TaskState.of(task);
        Lun[] t = target.table();
        if (t != seen) {
            reconcile(t);
        }
        int lun = task.lun();
        LunChannel lc = lun >= 0 && lun < luns.length ? luns[lun] : null;
        s.begin(this, lc);
        inFlight++;
        if (lc == null) {
            Commands.withoutLun(this, s);
        } else {
            lc.track(s);
            Commands.execute(lc, s);
        }
    }

    @Override
    public boolean hasLun(int lun) {
        Lun[] t = target.table();
        return lun >= 0 && lun < t.length && t[lun] != null;
    }

    /** Ends a task: accounting, task-management bookkeeping, then the transport's completion. */
    void finish(TaskState s) {
        ScsiTask task = s.task;
        LunChannel lc = s.lun;
        if (lc != null) {
            lc.untrack(s);
        }
        inFlight--;
        if (s.killed != 0) {
            task.setOutcome(s.killed);
        }
        TmfWait w = s.waiter;
        s.waiter = null;
        task.completion().taskCompleted(task);
        if (w != null) {
            w.taskEnded();
        }
        if (lc != null && lc.retiring && lc.inFlight() == 0) {
            retire(lc);
        }
    }

    /** Opens channels for new LUNs and retires those of LUNs gone from the table. */
    private void reconcile(Lun[] t) {
        LunChannel[] next = new LunChannel[t.length];
        for (int i = 0; i < luns.length; i++) {
            LunChannel lc = luns[i];
            if (lc != null && (i >= t.length || t[i] != lc.lun)) {
                lc.retiring = true;
                if (lc.inFlight() == 0) {
                    lc.close();
                } else {
                    retiring.add(lc);
                }
            } else if (lc != null) {
                next[i] = lc;
            }
        }
        for (int i = 0; i < t.length; i++) {
            if (t[i] != null && next[i] == null) {
                next[i] = new LunChannel(this, t[i], t[i].descriptor().channel(reactor));
            }
        }
        luns = next;
        seen = t;
    }

    private void retire(LunChannel lc) {
        lc.close();
        retiring.remove(lc);
        if (retiring.isEmpty() && !onRetired.isEmpty()) {
            List<Runnable> done = new ArrayList<>(onRetired);
            onRetired.clear();
            done.forEach(Runnable::run);
        }
    }

    /** Reactor thread: catch up with the target's table; {@code done} runs once detached LUNs drained. */
    void sync(Runnable done) {
        if (!closed) {
            reconcile(target.table());
        }
        if (retiring.isEmpty()) {
            done.run();
        } else {
            onRetired.add(done);
        }
    }

    @Override
    public void manage(ScsiTmf tmf) {
        inFlight++;
        target.manage(this, tmf);
    }

    void tmfDone(ScsiTmf tmf, ScsiTmf.Response response) {
        inFlight--;
        tmf.setResponse(response);
        tmf.completion().tmfCompleted(tmf);
    }

    /**
     * Reactor thread: ends ({@code kill} != 0) or counts the matching tasks; {@code done} gets their
     * number once every ended task has completed to its transport.
     */
    void endTasks(Target.TaskMatcher match, int kill, IntConsumer done) {
        List<TaskState> matched = new ArrayList<>();
        for (LunChannel lc : luns) {
            if (lc != null) {
                lc.collect(match, matched);
            }
        }
        for (LunChannel lc : retiring) {
            lc.collect(match, matched);
        }
        if (kill == 0) {
            done.accept(matched.size());
            return;
        }
        TmfWait wait = new TmfWait(matched.size(), done);
        for (TaskState s : matched) {
            if (s.killed == 0) {
                s.killed = kill;
            }
            if (s.waiter == null) {
                s.waiter = wait;
            } else {
                // already ended by an earlier function: this one needs no wait beyond it
                wait.taskEnded();
            }
            if (s.waiting) {
                // queued for the scratch buffer, never sent to the bdev: end it now
                s.lun.dequeue(s);
                finish(s);
            }
        }
    }

    @Override
    public int inFlight() {
        return inFlight;
    }

    @Override
    public int doWork() {
        return 0;
    }

    @Override
    public void close() {
        closed = true;
        for (LunChannel lc : luns) {
            if (lc != null) {
                lc.close();
            }
        }
        for (LunChannel lc : retiring) {
            lc.close();
        }
        luns = new LunChannel[0];
        retiring.clear();
        onRetired.forEach(Runnable::run);
        onRetired.clear();
        target.channelClosed(this);
    }
}
