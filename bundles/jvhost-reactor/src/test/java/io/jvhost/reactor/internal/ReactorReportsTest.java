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
    void shouldReadThisThreadsCpuTicksFromProc() {
        long[] ticks = ReactorReports.userAndSystemTicks(Cpu.gettid());
        assertNotNull(ticks);
        assertTrue(ticks[0] >= 0 && ticks[1] >= 0);
        assertEquals(null, ReactorReports.userAndSystemTicks(0));
    }
}
