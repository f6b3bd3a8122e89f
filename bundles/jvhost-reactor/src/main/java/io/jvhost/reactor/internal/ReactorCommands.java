package io.jvhost.reactor.internal;

import io.jvhost.reactor.Reactor;
import io.jvhost.reactor.ReactorGroup;
import io.jvhost.reactor.ReactorStats;
import java.util.ArrayList;
import java.util.List;
import org.apache.felix.service.command.Descriptor;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/** Gogo commands in scope {@code reactor}. */
@Component(service = ReactorCommands.class, property = {"osgi.command.scope=reactor",
    "osgi.command.function=list"})
public final class ReactorCommands {
    private static final long SAMPLE_MILLIS = 200;

    @Reference
    private ReactorGroup group;

    @Descriptor("List reactors: core, pollers, busy % over the last 200 ms, passes and sleeps")
    public String list() throws InterruptedException {
        List<Reactor> reactors = group.reactors();
        List<ReactorStats> before = new ArrayList<>();
        reactors.forEach(r -> before.add(r.stats()));
        Thread.sleep(SAMPLE_MILLIS);
        StringBuilder sb = new StringBuilder(String.format("%-8s %-5s %-8s %-7s %-12s %-8s %s%n",
                "reactor", "core", "pollers", "busy%", "passes", "sleeps", "idle strategy: " + group.idleStrategy()));
        for (int i = 0; i < reactors.size(); i++) {
            Reactor r = reactors.get(i);
            ReactorStats now = r.stats();
            ReactorStats window = now.since(before.get(i));
            sb.append(String.format("%-8d %-5d %-8d %-7.1f %-12d %-8d %s%n", r.index(), r.core(), r.pollerCount(),
                    window.busyPercent(), now.passes(), now.sleeps(), String.join(",", r.pollerNames())));
        }
        return sb.toString();
    }
}
