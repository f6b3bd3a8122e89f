package io.jvhost.scsi.internal;

import io.jvhost.bdev.BdevRegistry;
import io.jvhost.bdev.OpenMode;
import io.jvhost.reactor.Reactor;
import io.jvhost.scsi.ScsiChannel;
import io.jvhost.scsi.ScsiTarget;
import io.jvhost.scsi.ScsiTask;
import io.jvhost.scsi.ScsiTmf;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A target and its LUN table. The table is copy-on-write: channels compare their snapshot with it
 * on each command (one volatile read) and open or retire per-LUN bdev channels on their own reactor.
 * Detaching publishes the smaller table, then waits until every channel has retired the LUN (its
 * commands finished) before the bdev is released.
 */
final class Target implements ScsiTarget {
    private static final Logger LOG = LoggerFactory.getLogger(Target.class);
    private static final long TIMEOUT_SECONDS = 30;
    static final Lun[] EMPTY = new Lun[0];

    private final String name;
    private final BdevRegistry bdevs;
    private final Listener listener;
    private final Set<TargetChannel> channels = ConcurrentHashMap.newKeySet();
    private volatile Lun[] table = EMPTY;
    private boolean closed;

    Target(String name, BdevRegistry bdevs, Listener listener) {
        this.name = name;
        this.bdevs = bdevs;
        this.listener = listener;
    }

    @Override
    public String name() {
        return name;
    }

    Lun[] table() {
        return table;
    }

    @Override
    public void attachLun(int lun, String bdevName) {
        if (lun < 0 || lun > MAX_LUN) {
            throw new IllegalArgumentException("target " + name + ": LUN " + lun + " is out of range 0.." + MAX_LUN);
        }
        synchronized (this) {
            if (closed) {
                throw new IllegalStateException("target " + name + " is being deleted");
            }
            Lun[] t = table;
            if (lun < t.length && t[lun] != null) {
                throw new IllegalArgumentException("target " + name + ": LUN " + lun + " already holds bdev "
                        + t[lun].bdev.name());
            }
            Lun l = new Lun(lun, this);
            l.open(bdevs.open(bdevName, OpenMode.WRITE_SHARED, "scsi " + name + " lun " + lun, l));
            Lun[] next = java.util.Arrays.copyOf(t, Math.max(t.length, lun + 1));
            next[lun] = l;
            table = next;
        }
        LOG.info("target {}: LUN {} is bdev {}", name, lun, bdevName);
        listener.lunAttached(this, lun);
    }

    /** Detaching waits for every channel's reactor: on a reactor thread it would wait for itself. */
    private void requireControlThread(String what) {
        for (TargetChannel ch : channels) {
            if (ch.reactor().inReactor()) {
                throw new IllegalStateException("target " + name + ": " + what
                        + " must run on a control thread, not on reactor " + ch.reactor().index());
            }
        }
    }

    @Override
    public boolean detachLun(int lun) {
        requireControlThread("detaching LUN " + lun);
        Lun l;
        synchronized (this) {
            l = remove(lun);
        }
        if (l == null) {
            return false;
        }
        release(l);
        listener.lunDetached(this, lun);
        return true;
    }

    /** Publishes the table without {@code lun}; caller holds the lock. */
    private Lun remove(int lun) {
        Lun[] t = table;
        if (lun < 0 || lun >= t.length || t[lun] == null) {
            return null;
        }
        Lun l = t[lun];
        Lun[] next = t.clone();
        next[lun] = null;
        table = next;
        return l;
    }

    /** Waits until every channel retired {@code l}, then releases its bdev. */
    private void release(Lun l) {
        List<TargetChannel> open = new ArrayList<>(channels);
        CountDownLatch retired = new CountDownLatch(open.size());
        for (TargetChannel ch : open) {
            try {
                ch.reactor().execute(() -> ch.sync(retired::countDown));
            } catch (RuntimeException stopped) {
                retired.countDown();
            }
        }
        try {
            if (!retired.await(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                LOG.error("target {}: LUN {} still had commands in flight after {} s; releasing bdev {} anyway", name,
                        l.id, TIMEOUT_SECONDS, l.bdev.name());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        l.descriptor().close();
        LOG.info("target {}: LUN {} (bdev {}) detached", name, l.id, l.bdev.name());
    }

    /** Control thread: the bdev under {@code l} is going away, so the LUN goes too. */
    void bdevRemoved(Lun l) {
        synchronized (this) {
            Lun[] t = table;
            if (l.id >= t.length || t[l.id] != l) {
                return;
            }
            remove(l.id);
        }
        LOG.warn("target {}: bdev {} was removed; detaching LUN {}", name, l.bdev.name(), l.id);
        release(l);
        listener.lunDetached(this, l.id);
    }

    void lunResized(Lun l) {
        listener.lunResized(this, l.id);
    }

    @Override
    public List<LunInfo> luns() {
        List<LunInfo> out = new ArrayList<>();
        for (Lun l : table) {
            if (l != null) {
                out.add(new LunInfo(l.id, l.bdev.name(), l.blockCount(), l.blockSize));
            }
        }
        return out;
    }

    @Override
    public ScsiChannel openChannel(Reactor reactor) {
        if (!reactor.inReactor()) {
            throw new IllegalStateException("target " + name + ": channels are opened on their reactor's thread");
        }
        TargetChannel ch = new TargetChannel(this, reactor);
        channels.add(ch);
        return ch;
    }

    void channelClosed(TargetChannel ch) {
        channels.remove(ch);
    }

    @Override
    public void close() {
        requireControlThread("closing the target");
        List<Lun> all = new ArrayList<>();
        synchronized (this) {
            closed = true;
            for (Lun l : table) {
                if (l != null) {
                    all.add(l);
                }
            }
            table = EMPTY;
        }
        for (Lun l : all) {
            release(l);
        }
    }

    /**
     * Runs {@code tmf} for {@code origin} (on its reactor): every channel ends or counts the matching
     * tasks on its own reactor, and the last one to finish reports back to {@code origin}.
     */
    void manage(TargetChannel origin, ScsiTmf tmf) {
        ScsiTmf.Function f = tmf.function();
        if (f == ScsiTmf.Function.CLEAR_ACA) {
            // no ACA is ever established (NACA is refused), so there is nothing to clear
            origin.tmfDone(tmf, ScsiTmf.Response.FUNCTION_REJECTED);
            return;
        }
        boolean wholeTarget = f == ScsiTmf.Function.I_T_NEXUS_RESET;
        int lun = tmf.lun();
        Lun[] t = table;
        if (!wholeTarget && (lun < 0 || lun >= t.length || t[lun] == null)) {
            origin.tmfDone(tmf, ScsiTmf.Response.INCORRECT_LUN);
            return;
        }
        int kill = switch (f) {
            case ABORT_TASK, ABORT_TASK_SET, CLEAR_TASK_SET -> ScsiTask.ABORTED;
            case LOGICAL_UNIT_RESET, I_T_NEXUS_RESET -> ScsiTask.RESET;
            default -> 0; // queries
        };
        boolean oneTask = f == ScsiTmf.Function.ABORT_TASK || f == ScsiTmf.Function.QUERY_TASK;
        TaskMatcher match = new TaskMatcher(wholeTarget ? -1 : lun, oneTask, tmf.tag());
        List<TargetChannel> open = new ArrayList<>(channels);
        if (open.isEmpty()) {
            origin.tmfDone(tmf, ScsiTmf.Response.FUNCTION_COMPLETE);
            return;
        }
        AtomicInteger pending = new AtomicInteger(open.size());
        AtomicInteger found = new AtomicInteger();
        Runnable finish = () -> {
            if (kill == ScsiTask.RESET) {
                for (Lun l : t) {
                    if (l != null && (wholeTarget || l.id == lun)) {
                        l.reserved = false;
                        l.unitAttention.set(Scsi.RESET_OCCURRED);
                    }
                }
            }
            ScsiTmf.Response r = kill == 0 && found.get() > 0 ? ScsiTmf.Response.FUNCTION_SUCCEEDED
                    : ScsiTmf.Response.FUNCTION_COMPLETE;
            origin.tmfDone(tmf, r);
        };
        for (TargetChannel ch : open) {
            Runnable job = () -> ch.endTasks(match, kill, n -> {
                found.addAndGet(n);
                if (pending.decrementAndGet() == 0) {
                    origin.reactor().execute(finish);
                }
            });
            try {
                ch.reactor().execute(job);
            } catch (RuntimeException stopped) {
                if (pending.decrementAndGet() == 0) {
                    origin.reactor().execute(finish);
                }
            }
        }
    }

    /** Which tasks a function applies to: one LUN (or all) and maybe one tag. */
    record TaskMatcher(int lun, boolean oneTask, long tag) {
        boolean matches(TaskState s) {
            return (lun < 0 || s.task.lun() == lun) && (!oneTask || s.task.tag() == tag);
        }
    }
}
