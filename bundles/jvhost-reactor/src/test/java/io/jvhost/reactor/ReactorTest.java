package io.jvhost.reactor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jvhost.posix.Cpu;
import io.jvhost.posix.EventFd;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class ReactorTest {
    private static final CpuMask FIRST_CORE = CpuMask.of(Cpu.allowedCores().nextSetBit(0));

    @Test
    void steppedReactorShouldRunCommandsBeforePollersInOrder() {
        Reactors.SteppedReactor r = Reactors.stepped(0);
        r.bindToCurrentThread();
        List<String> log = new ArrayList<>();
        r.execute(() -> log.add("c1"));
        r.execute(() -> r.addPoller(() -> {
            log.add("p");
            return 1;
        }));
        r.execute(() -> log.add("c3"));
        assertEquals(3 + 1, r.step(), "three commands and one poller pass");
        assertEquals(List.of("c1", "c3", "p"), log);
        assertEquals(1, r.step());
        assertEquals(List.of("c1", "c3", "p", "p"), log);
    }

    @Test
    void shouldRemoveFailingPollerAndKeepRunning() {
        Reactors.SteppedReactor r = Reactors.stepped(0);
        r.bindToCurrentThread();
        AtomicInteger good = new AtomicInteger();
        r.addPoller(() -> {
            throw new IllegalStateException("boom");
        });
        r.addPoller(good::incrementAndGet);
        r.step();
        r.step();
        assertEquals(2, good.get());
        assertEquals(1, r.pollerCount());
    }

    @Test
    void shouldRefusePollerChangesFromOtherThreads() throws Exception {
        try (Reactors.ClosableReactorGroup g = Reactors.start("t", FIRST_CORE, IdleStrategies.BACKOFF)) {
            Reactor r = g.reactors().get(0);
            assertThrows(IllegalStateException.class, () -> r.addPoller(() -> 0));
            r.call(() -> {
                r.addPoller(() -> 0);
                return null;
            }).get(5, TimeUnit.SECONDS);
            assertEquals(1, r.pollerCount());
        }
    }

    @Test
    void interruptModeReactorShouldSleepAndWakeOnMessageAndOnWatchedEventFd() throws Exception {
        try (Reactors.ClosableReactorGroup g = Reactors.start("t", FIRST_CORE, IdleStrategies.INTERRUPT);
             EventFd kick = EventFd.create()) {
            Reactor r = g.reactors().get(0);
            AtomicInteger kicks = new AtomicInteger();
            CountDownLatch woke = new CountDownLatch(1);
            AtomicInteger armed = new AtomicInteger();
            Poller p = new Poller() {
                @Override
                public int doWork() {
                    return 0;
                }

                @Override
                public boolean prepareToSleep() {
                    armed.incrementAndGet();
                    return true;
                }

                @Override
                public void awake() {
                    if (kicks.incrementAndGet() > 1) {
                        woke.countDown();
                    }
                }
            };
            r.call(() -> {
                r.watch(kick);
                r.addPoller(p);
                return null;
            }).get(5, TimeUnit.SECONDS);
            waitUntil(() -> r.stats().sleeps() > 0);
            long sleeps = r.stats().sleeps();
            assertEquals(42, r.call(() -> 42).get(5, TimeUnit.SECONDS), "a message wakes a sleeping reactor");
            kick.signal();
            assertTrue(woke.await(5, TimeUnit.SECONDS), "a watched eventfd wakes it");
            waitUntil(() -> r.stats().sleeps() > sleeps + 1);
            assertTrue(armed.get() > 0, "pollers are asked to arm notifications before sleeping");
            assertEquals(1, kick.drain(), "the counter is left to the eventfd's owner (edge-triggered watch)");
            long awakes = kicks.get();
            long sleepsNow = r.stats().sleeps();
            kick.signal();
            waitUntil(() -> kicks.get() > awakes && r.stats().sleeps() > sleepsNow);
        }
    }

    @Test
    void groupShouldPickLeastLoadedReactorWithinMask() throws Exception {
        try (Reactors.ClosableReactorGroup g = Reactors.start("t", FIRST_CORE, IdleStrategies.BACKOFF)) {
            Reactor r = g.leastLoaded(null);
            assertEquals(r, g.leastLoaded(FIRST_CORE));
            assertThrows(IllegalArgumentException.class, () -> g.leastLoaded(CpuMask.of(1000)));
            assertThrows(IllegalArgumentException.class, () -> g.onCore(1000));
        }
    }

    @Test
    void stoppedReactorShouldRejectCommands() {
        Reactor r;
        try (Reactors.ClosableReactorGroup g = Reactors.start("t", FIRST_CORE, IdleStrategies.BUSY_SPIN)) {
            r = g.reactors().get(0);
        }
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> r.execute(() -> { }));
        assertTrue(e.getMessage().contains("stopped"));
    }

    private static void waitUntil(java.util.function.BooleanSupplier c) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!c.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "condition not reached in 5 s");
            Thread.sleep(5);
        }
    }
}
