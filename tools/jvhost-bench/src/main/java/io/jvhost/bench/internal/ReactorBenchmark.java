package io.jvhost.bench.internal;

import io.jvhost.posix.Cpu;
import io.jvhost.posix.EventFd;
import io.jvhost.reactor.CpuMask;
import io.jvhost.reactor.IdleStrategies;
import io.jvhost.reactor.Reactor;
import io.jvhost.reactor.Reactors;
import java.util.BitSet;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Two measurements: the round trip of a message from reactor A to reactor B and back (preallocated
 * commands, no allocation per message), and the CPU share of an idle reactor in interrupt mode.
 */
final class ReactorBenchmark {
    record Result(long roundTrips, double nanosPerRoundTrip, String roundTripCores, double idleCpuPercent) {
        String report() {
            String json = String.format(Locale.ROOT,
                    "{\"benchmark\":\"reactor\",\"round_trips\":%d,\"round_trip_ns\":%.1f,\"cores\":\"%s\","
                            + "\"idle_interrupt_cpu_percent\":%.3f}",
                    roundTrips, nanosPerRoundTrip, roundTripCores, idleCpuPercent);
            return String.format(Locale.ROOT, "%s%n%-34s %12s%n%-34s %12.1f%n%-34s %12.3f%n", json,
                    "measurement", "value", "round trip A->B->A (ns), cores " + roundTripCores, nanosPerRoundTrip,
                    "idle reactor CPU, interrupt (%)", idleCpuPercent);
        }
    }

    private ReactorBenchmark() {
    }

    static Result run(int seconds) throws Exception {
        BitSet allowed = Cpu.allowedCores();
        int a = allowed.nextSetBit(0);
        int b = allowed.nextSetBit(a + 1) < 0 ? a : allowed.nextSetBit(a + 1);
        CpuMask mask = a == b ? CpuMask.of(a) : CpuMask.of(a, b);
        long trips;
        long nanos;
        try (Reactors.ClosableReactorGroup g = Reactors.start("bench", mask, IdleStrategies.BUSY_SPIN)) {
            Reactor ra = g.reactors().get(0);
            Reactor rb = g.reactors().get(g.reactors().size() - 1);
            PingPong pp = new PingPong(ra, rb, TimeUnit.SECONDS.toNanos(seconds));
            ra.execute(pp.ping);
            pp.done.await(seconds + 10L, TimeUnit.SECONDS);
            trips = pp.trips;
            nanos = pp.elapsed;
        }
        return new Result(trips, (double) nanos / Math.max(1, trips), mask.toList(), idleCpu(a, seconds));
    }

    /** Ping runs on A and posts pong to B; pong posts ping back to A, until the time is up. */
    private static final class PingPong {
        final CountDownLatch done = new CountDownLatch(1);
        final Runnable ping;
        final Runnable pong;
        final Reactor a;
        long trips;
        long start;
        long elapsed;

        PingPong(Reactor a, Reactor b, long durationNanos) {
            this.a = a;
            pong = this::sendPing;
            ping = () -> {
                long now = System.nanoTime();
                if (start == 0) {
                    start = now;
                } else {
                    trips++;
                }
                if ((trips & 1023) == 0 && now - start >= durationNanos) {
                    elapsed = now - start;
                    done.countDown();
                    return;
                }
                b.execute(pong);
            };
        }

        private void sendPing() {
            a.execute(ping);
        }
    }

    private static double idleCpu(int core, int seconds) throws Exception {
        try (Reactors.ClosableReactorGroup g = Reactors.start("bench-idle", CpuMask.of(core), IdleStrategies.INTERRUPT);
             EventFd kick = EventFd.create()) {
            Reactor r = g.reactors().get(0);
            r.call(() -> {
                r.watch(kick);
                return null;
            }).get();
            Thread.sleep(100);
            long[] cpu = new long[1];
            r.call(() -> cpu[0] = Cpu.threadCpuNanos()).get();
            long wallStart = System.nanoTime();
            Thread.sleep(TimeUnit.SECONDS.toMillis(seconds));
            long[] cpuEnd = new long[1];
            r.call(() -> cpuEnd[0] = Cpu.threadCpuNanos()).get();
            long wall = System.nanoTime() - wallStart;
            return 100.0 * (cpuEnd[0] - cpu[0]) / wall;
        }
    }
}
