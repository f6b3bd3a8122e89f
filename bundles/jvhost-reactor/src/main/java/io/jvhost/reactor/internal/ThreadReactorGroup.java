package io.jvhost.reactor.internal;

import io.jvhost.reactor.CpuMask;
import io.jvhost.reactor.Reactor;
import io.jvhost.reactor.Reactors;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** One reactor thread per core of a cpumask. */
public final class ThreadReactorGroup implements Reactors.ClosableReactorGroup {
    private static final Logger LOG = LoggerFactory.getLogger(ThreadReactorGroup.class);
    private final CpuMask mask;
    private final String idleStrategy;
    private final List<ReactorLoop> loops;
    private final List<Thread> threads = new ArrayList<>();

    private ThreadReactorGroup(String name, CpuMask mask, String idleStrategy) {
        this.mask = mask;
        this.idleStrategy = idleStrategy;
        List<ReactorLoop> l = new ArrayList<>();
        int[] cores = mask.cores().toArray();
        for (int i = 0; i < cores.length; i++) {
            l.add(new ReactorLoop(i, cores[i], idleStrategy));
        }
        loops = List.copyOf(l);
        for (ReactorLoop loop : loops) {
            Thread t = new Thread(loop, name + "-reactor-" + loop.index());
            t.setDaemon(true);
            loop.bindTo(t);
            threads.add(t);
        }
    }

    public static ThreadReactorGroup start(String name, CpuMask mask, String idleStrategy) {
        ThreadReactorGroup g = new ThreadReactorGroup(name, mask, idleStrategy);
        g.threads.forEach(Thread::start);
        return g;
    }

    @Override
    public List<Reactor> reactors() {
        return List.copyOf(loops);
    }

    @Override
    public CpuMask cpumask() {
        return mask;
    }

    @Override
    public String idleStrategy() {
        return idleStrategy;
    }

    @Override
    public Reactor onCore(int core) {
        return loops.stream().filter(l -> l.core() == core).findFirst().orElseThrow(() ->
                new IllegalArgumentException("no reactor on core " + core + "; reactors run on cores " + mask.toList()));
    }

    @Override
    public Reactor leastLoaded(CpuMask within) {
        if (within != null && !mask.containsAll(within)) {
            throw new IllegalArgumentException("cpumask " + within + " is not within the reactors' cpumask " + mask
                    + " (cores " + mask.toList() + ")");
        }
        return loops.stream().filter(l -> within == null || within.contains(l.core()))
                .min(Comparator.comparingInt(ReactorLoop::pollerCount)).orElseThrow();
    }

    @Override
    public void close() {
        loops.forEach(ReactorLoop::stop);
        for (Thread t : threads) {
            try {
                t.join(TimeUnit.SECONDS.toMillis(5));
                if (t.isAlive()) {
                    LOG.error("{} did not stop within 5 s", t.getName());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
