package io.jvhost.reactor.internal;

import io.jvhost.posix.Cpu;
import io.jvhost.posix.Epoll;
import io.jvhost.posix.EventFd;
import io.jvhost.reactor.IdleStrategies;
import io.jvhost.reactor.IdleStrategy;
import io.jvhost.reactor.Poller;
import io.jvhost.reactor.PollerStats;
import io.jvhost.reactor.ReactorStats;
import io.jvhost.reactor.Reactors;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One reactor: a command queue drained at the top of each pass, then every poller, then the idle
 * strategy. Run by its own thread ({@link #run()}) or stepped by a caller ({@link #step()}).
 */
public final class ReactorLoop extends ReactorCounters implements Reactors.SteppedReactor, Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(ReactorLoop.class);
    private static final int COMMAND_QUEUE_CAPACITY = 1024;
    private static final int COMMANDS_PER_PASS = 64;
    private static final long OFFER_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(5);
    private static final int SLEEP_SAFETY_TIMEOUT_MS = 1000;
    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    private final int index;
    private final int core;
    private final ManyToOneQueue<Runnable> commands = new ManyToOneQueue<>(COMMAND_QUEUE_CAPACITY);
    private final IdleStrategy idle;
    private final EventFd wakeFd;
    private final Epoll epoll;
    private final Map<Integer, EventFd> watched = new HashMap<>();
    private volatile PollerSlot[] pollers = new PollerSlot[0];
    private long nextPollerId = 1;
    private final Object wakeLock = new Object();
    private boolean wakeClosed;
    private volatile boolean sleeping;
    /** How long the sleep being prepared may last; pollers shorten it through {@link #wakeWithin}. */
    private int sleepTimeoutMs;
    private volatile boolean running = true;
    private volatile Thread thread;
    private volatile int osThreadId;

    public ReactorLoop(int index, int core, String idleStrategy) {
        this.index = index;
        this.core = core;
        this.idle = switch (idleStrategy) {
            case IdleStrategies.BUSY_SPIN -> new BusySpinIdleStrategy();
            case IdleStrategies.BACKOFF -> new BackoffIdleStrategy();
            case IdleStrategies.INTERRUPT -> new InterruptIdleStrategy(this::sleepUntilWoken);
            default -> throw new IllegalArgumentException(IdleStrategies.require(idleStrategy));
        };
        if (idle instanceof InterruptIdleStrategy) {
            wakeFd = EventFd.create();
            epoll = Epoll.create(64);
            epoll.add(wakeFd.fd(), Epoll.EPOLLIN, wakeFd.fd());
        } else {
            wakeFd = null;
            epoll = null;
        }
    }

    @Override
    public int index() {
        return index;
    }

    @Override
    public int core() {
        return core;
    }

    @Override
    public int osThreadId() {
        return osThreadId;
    }

    @Override
    public boolean inReactor() {
        return Thread.currentThread() == thread;
    }

    @Override
    public void bindToCurrentThread() {
        thread = Thread.currentThread();
        osThreadId = Cpu.gettid();
    }

    /** Binds the thread that will run this loop before it starts, so thread checks hold from the start. */
    void bindTo(Thread t) {
        thread = t;
    }

    @Override
    public void execute(Runnable command) {
        if (!running) {
            throw new IllegalStateException("reactor " + index + " (core " + core + ") is stopped");
        }
        if (!commands.offer(command)) {
            if (inReactor()) {
                throw new IllegalStateException("reactor " + index + ": command queue full when posting to itself");
            }
            long deadline = System.nanoTime() + OFFER_TIMEOUT_NANOS;
            while (!commands.offer(command)) {
                if (System.nanoTime() > deadline || !running) {
                    throw new IllegalStateException("reactor " + index + " (core " + core
                            + ") did not take a command for 5 s; it is stuck or stopped");
                }
                Thread.yield();
            }
        }
        if (sleeping) {
            wake();
        }
    }

    /**
     * Signals the wake fd unless the thread already closed it: after close the number may belong to
     * another file, so the check and the write happen under the lock the close takes.
     */
    private void wake() {
        synchronized (wakeLock) {
            if (!wakeClosed && wakeFd != null) {
                wakeFd.signal();
            }
        }
    }

    @Override
    public int step() {
        int work = drainCommands();
        PollerSlot[] ps = pollers;
        for (PollerSlot p : ps) {
            try {
                work += p.run();
            } catch (Throwable t) {
                LOG.error("reactor {}: poller {} failed and was removed", index, p.poller.name(), t);
                removePoller(p.poller);
            }
        }
        return work;
    }

    private int drainCommands() {
        int n = 0;
        Runnable r;
        while (n < COMMANDS_PER_PASS && (r = commands.poll()) != null) {
            n++;
            try {
                r.run();
            } catch (Throwable t) {
                LOG.error("reactor {}: a command failed", index, t);
            }
        }
        return n;
    }

    /** The thread body: pin, then pass after pass until stopped. */
    @Override
    public void run() {
        thread = Thread.currentThread();
        osThreadId = Cpu.gettid();
        pin();
        long last = System.nanoTime();
        try {
            while (running) {
                int work = step();
                idle.idle(work);
                long now = System.nanoTime();
                if (work > 0) {
                    BUSY.setRelease(this, busyNanos + (now - last));
                } else {
                    IDLE.setRelease(this, idleNanos + (now - last));
                }
                PASSES.setRelease(this, passes + 1);
                last = now;
            }
            drainCommands();
        } finally {
            closeNativeResources();
        }
    }

    private void pin() {
        if (core < 0) {
            return;
        }
        try {
            BitSet allowed = Cpu.allowedCores();
            if (allowed.get(core)) {
                BitSet one = new BitSet();
                one.set(core);
                Cpu.pinCurrentThread(one);
            } else {
                LOG.warn("reactor {}: core {} is not allowed for this process; running unpinned", index, core);
            }
        } catch (RuntimeException e) {
            LOG.warn("reactor {}: could not pin to core {}: {}; running unpinned", index, core, e.getMessage());
        }
    }

    /** Interrupt mode: sleeps on epoll unless a command or poller has work; returns after waking. */
    @Override
    public void wakeWithin(long nanos) {
        long ms = Math.max(1, (nanos + 999_999) / 1_000_000);
        if (ms < sleepTimeoutMs) {
            sleepTimeoutMs = (int) ms;
        }
    }

    private void sleepUntilWoken() {
        sleeping = true;
        if (!commands.isEmpty() || !running) {
            sleeping = false;
            return;
        }
        PollerSlot[] ps = pollers;
        boolean canSleep = true;
        sleepTimeoutMs = SLEEP_SAFETY_TIMEOUT_MS;
        for (PollerSlot p : ps) {
            if (!p.poller.prepareToSleep()) {
                canSleep = false;
                break;
            }
        }
        if (canSleep) {
            int n = epoll.await(sleepTimeoutMs);
            for (int i = 0; i < n; i++) {
                // watched fds are edge-triggered and left undrained: every write wakes us anyway,
                // and a wake then costs one syscall instead of two
                if ((int) epoll.data(i) == wakeFd.fd()) {
                    wakeFd.drain();
                }
            }
            SLEEPS.setRelease(this, sleeps + 1);
        }
        sleeping = false;
        for (PollerSlot p : ps) {
            p.poller.awake();
        }
    }

    @Override
    public void addPoller(Poller poller) {
        requireReactorThread("addPoller");
        PollerSlot[] ps = Arrays.copyOf(pollers, pollers.length + 1);
        ps[ps.length - 1] = new PollerSlot(poller, nextPollerId++);
        pollers = ps;
    }

    @Override
    public void removePoller(Poller poller) {
        requireReactorThread("removePoller");
        List<PollerSlot> list = new ArrayList<>(Arrays.asList(pollers));
        if (list.removeIf(slot -> slot.poller == poller)) {
            pollers = list.toArray(new PollerSlot[0]);
        }
    }

    @Override
    public void watch(EventFd fd) {
        requireReactorThread("watch");
        if (epoll != null && watched.putIfAbsent(fd.fd(), fd) == null) {
            epoll.add(fd.fd(), Epoll.EPOLLIN | Epoll.EPOLLET, fd.fd());
        }
    }

    @Override
    public void unwatch(EventFd fd) {
        requireReactorThread("unwatch");
        int n = fd.fd();
        if (epoll != null && n >= 0 && watched.remove(n) != null) {
            epoll.remove(n);
        }
    }

    private void requireReactorThread(String what) {
        Thread t = thread;
        if (t != null && t != Thread.currentThread()) {
            throw new IllegalStateException(what + " must run on reactor " + index + ", not on "
                    + Thread.currentThread().getName());
        }
    }

    @Override
    public int pollerCount() {
        return pollers.length;
    }

    @Override
    public List<String> pollerNames() {
        return Arrays.stream(pollers).map(slot -> slot.poller.name()).toList();
    }

    @Override
    public List<PollerStats> pollerStats() {
        return Arrays.stream(pollers).map(PollerSlot::stats).toList();
    }

    @Override
    public long allocatedBytes() {
        Thread t = thread;
        return t == null ? 0 : THREADS.getThreadAllocatedBytes(t.threadId());
    }

    @Override
    public ReactorStats stats() {
        return new ReactorStats((long) BUSY.getAcquire(this), (long) IDLE.getAcquire(this),
                (long) PASSES.getAcquire(this), (long) SLEEPS.getAcquire(this));
    }

    public String idleStrategyName() {
        return idle.name();
    }

    /** Asks the thread to finish its pass and exit; commands already queued still run. */
    void stop() {
        running = false;
        wake();
        Thread t = thread;
        if (t != null) {
            LockSupport.unpark(t);
        }
    }

    private void closeNativeResources() {
        if (epoll != null) {
            synchronized (wakeLock) {
                wakeClosed = true;
                epoll.close();
                wakeFd.close();
            }
        }
    }

    @Override
    public String toString() {
        return "reactor " + index + " (core " + core + ")";
    }
}
