package io.jvhost.reactor.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jvhost.posix.Cpu;
import io.jvhost.reactor.CpuMask;
import io.jvhost.reactor.IdleStrategies;
import io.jvhost.reactor.Poller;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** framework_get_reactors and thread_get_stats read a running reactor the way SPDK reports its own. */
class ReactorReportsTest {
    @Test
    @SuppressWarnings("unchecked")
    void shouldReportARunningReactorsThreadIdTicksAndPollers() throws Exception {
        ThreadReactorGroup group = ThreadReactorGroup.start("t", CpuMask.of(0), IdleStrategies.BACKOFF);
        try {
            var reactor = group.reactors().get(0);
            reactor.call(() -> {
                reactor.addPoller(new Poller() {
                    @Override
                    public int doWork() {
                        return 0;
                    }

                    @Override
                    public String name() {
                        return "test.q0";
                    }
                });
                return null;
            }).get(5, TimeUnit.SECONDS);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (reactor.stats().idleNanos() == 0 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            Map<String, Object> reactors = ReactorReports.reactors(group);
            assertEquals(1_000_000_000L, reactors.get("tick_rate"));
            assertEquals(ProcessHandle.current().pid(), reactors.get("pid"));
            Map<String, Object> r0 = ((List<Map<String, Object>>) reactors.get("reactors")).get(0);
            assertEquals(0, r0.get("lcore"));
            assertTrue((Integer) r0.get("tid") > 0, "the reactor's Linux thread id: " + r0);
            assertTrue((Long) r0.get("idle") > 0, r0.toString());
            assertEquals(false, r0.get("in_interrupt"));
            assertEquals(List.of("test.q0"), r0.get("pollers"));
            Map<String, Object> lw = ((List<Map<String, Object>>) r0.get("lw_threads")).get(0);
            assertEquals("reactor_0", lw.get("name"));
            assertEquals(1, lw.get("id"));
            assertEquals("1", lw.get("cpumask"));
            assertNotNull(r0.get("usr_stat"), "CPU time from /proc: " + r0);

            Map<String, Object> t0 = ((List<Map<String, Object>>) ReactorReports.threads(group).get("threads")).get(0);
            assertEquals(1, t0.get("id"));
            assertEquals(1, t0.get("active_pollers_count"));
            assertTrue((Long) t0.get("busy") + (Long) t0.get("idle") > 0);
        } finally {
            group.close();
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void shouldCountEachPollersRunsAndTheRunsThatFoundWork() throws Exception {
        var reactor = io.jvhost.reactor.Reactors.stepped(0);
        int[] calls = new int[1];
        Poller everyThird = new Poller() {
            @Override
            public int doWork() {
                return calls[0]++ % 3 == 0 ? 2 : 0;
            }

            @Override
            public String name() {
                return "vhost.blk0.q0";
            }
        };
        reactor.addPoller(everyThird);
        reactor.addPoller(() -> 0);
        for (int i = 0; i < 30; i++) {
            reactor.step();
        }
        Map<String, Object> answer = ReactorReports.pollers(List.of(reactor));
        assertEquals(1_000_000_000L, answer.get("tick_rate"));
        Map<String, Object> t0 = ((List<Map<String, Object>>) answer.get("threads")).get(0);
        assertEquals("reactor_0", t0.get("name"));
        assertEquals(List.of(), t0.get("timed_pollers"));
        assertEquals(List.of(), t0.get("paused_pollers"));
        List<Map<String, Object>> active = (List<Map<String, Object>>) t0.get("active_pollers");
        assertEquals(2, active.size());
        assertEquals(Map.of("name", "vhost.blk0.q0", "id", 1L, "state", "waiting", "run_count", 30L,
                "busy_count", 10L), active.get(0));
        assertEquals(2L, active.get(1).get("id"));
        assertEquals(0L, active.get(1).get("busy_count"));

        reactor.removePoller(everyThird);
        reactor.addPoller(everyThird);
        List<Map<String, Object>> again = (List<Map<String, Object>>) ((List<Map<String, Object>>) ReactorReports
                .pollers(List.of(reactor)).get("threads")).get(0).get("active_pollers");
        assertEquals(3L, again.get(1).get("id"), "a poller added again is a new poller with fresh counts");
        assertEquals(0L, again.get(1).get("run_count"));
    }

    @Test
    void shouldReadThisThreadsCpuTicksFromProc() {
        long[] ticks = ReactorReports.userAndSystemTicks(Cpu.gettid());
        assertNotNull(ticks);
        assertTrue(ticks[0] >= 0 && ticks[1] >= 0);
        assertEquals(null, ReactorReports.userAndSystemTicks(0));
    }
}
