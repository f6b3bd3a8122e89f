package io.jvhost.reactor.internal;

import io.jvhost.reactor.IdleStrategies;
import io.jvhost.reactor.PollerStats;
import io.jvhost.reactor.Reactor;
import io.jvhost.reactor.ReactorGroup;
import io.jvhost.reactor.ReactorStats;
import io.jvhost.reactor.ThreadIds;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * SPDK's shapes of {@code framework_get_reactors}, {@code thread_get_stats} and {@code thread_get_pollers} for jvhost's reactors.
 * Ticks are nanoseconds ({@code tick_rate} 1e9); each reactor is also the one thread SPDK would list
 * for it ({@link ThreadIds}).
 */
final class ReactorReports {
    private static final long TICK_RATE = 1_000_000_000L;

    private ReactorReports() {
    }

    /** {@code framework_get_reactors}. */
    static Map<String, Object> reactors(ReactorGroup group) {
        boolean interrupt = IdleStrategies.INTERRUPT.equals(group.idleStrategy());
        List<Object> list = new ArrayList<>();
        for (Reactor r : group.reactors()) {
            ReactorStats s = r.stats();
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("lcore", r.core());
            m.put("tid", r.osThreadId());
            m.put("busy", s.busyNanos());
            m.put("idle", s.idleNanos());
            m.put("in_interrupt", interrupt);
            long[] cpu = userAndSystemTicks(r.osThreadId());
            if (cpu != null) {
                m.put("usr_stat", cpu[0]);
                m.put("sys_stat", cpu[1]);
            }
            Map<String, Object> thread = new LinkedHashMap<>();
            thread.put("name", ThreadIds.name(r.index()));
            thread.put("id", ThreadIds.of(r.index()));
            thread.put("cpumask", coreMask(r.core()));
            thread.put("elapsed", s.busyNanos() + s.idleNanos());
            m.put("lw_threads", List.of(thread));
            m.put("passes", s.passes());
            m.put("allocated_bytes", r.allocatedBytes());
            m.put("sleeps", s.sleeps());
            m.put("pollers", r.pollerNames());
            list.add(m);
        }
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("tick_rate", TICK_RATE);
        result.put("pid", ProcessHandle.current().pid());
        result.put("reactors", list);
        return result;
    }

    /** {@code thread_get_stats}. */
    static Map<String, Object> threads(ReactorGroup group) {
        List<Object> list = new ArrayList<>();
        for (Reactor r : group.reactors()) {
            ReactorStats s = r.stats();
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", ThreadIds.name(r.index()));
            m.put("id", ThreadIds.of(r.index()));
            m.put("cpumask", coreMask(r.core()));
            m.put("busy", s.busyNanos());
            m.put("idle", s.idleNanos());
            m.put("active_pollers_count", r.pollerCount());
            m.put("timed_pollers_count", 0);
            m.put("paused_pollers_count", 0);
            m.put("allocated_bytes", r.allocatedBytes());
            list.add(m);
        }
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("tick_rate", TICK_RATE);
        result.put("threads", list);
        return result;
    }

    /**
     * {@code thread_get_pollers}: every poller is an active one (run on each pass); jvhost has no timed
     * or paused pollers. The state is SPDK's "waiting" (not being run at this instant), which is what a
     * report read off the reactor can say.
     */
    static Map<String, Object> pollers(List<? extends Reactor> reactors) {
        List<Object> threads = new ArrayList<>();
        for (Reactor r : reactors) {
            List<Object> active = new ArrayList<>();
            for (PollerStats p : r.pollerStats()) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("name", p.name());
                m.put("id", p.id());
                m.put("state", "waiting");
                m.put("run_count", p.runCount());
                m.put("busy_count", p.busyCount());
                active.add(m);
            }
            Map<String, Object> t = new LinkedHashMap<>();
            t.put("name", ThreadIds.name(r.index()));
            t.put("id", ThreadIds.of(r.index()));
            t.put("active_pollers", active);
            t.put("timed_pollers", List.of());
            t.put("paused_pollers", List.of());
            threads.add(t);
        }
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("tick_rate", TICK_RATE);
        result.put("threads", threads);
        return result;
    }

    /** SPDK writes a thread's cpumask as hex without 0x. */
    private static String coreMask(int core) {
        return BigInteger.ONE.shiftLeft(core).toString(16);
    }

    /**
     * utime and stime of a thread in clock ticks, from {@code /proc/self/task/TID/stat} (fields 14 and 15,
     * counted after the parenthesised name, which may hold spaces); null when it cannot be read.
     */
    static long[] userAndSystemTicks(int tid) {
        if (tid <= 0) {
            return null;
        }
        try {
            String stat = Files.readString(Path.of("/proc/self/task/" + tid + "/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            // f[0] is field 3 (state): utime is field 14, stime field 15
            return new long[] {Long.parseLong(f[11]), Long.parseLong(f[12])};
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }
}
