package io.jvhost.reactor;

import java.util.List;
import org.osgi.annotation.versioning.ProviderType;

/** The reactors of this process, one per core of the configured cpumask. Registered as a service. */
@ProviderType
public interface ReactorGroup {
    List<Reactor> reactors();

    /** The cores the group runs on. */
    CpuMask cpumask();

    /** The idle strategy name the reactors use. */
    String idleStrategy();

    /** The reactor on {@code core}; throws naming the group's cores when there is none. */
    Reactor onCore(int core);

    /**
     * Chooses the reactor with the fewest pollers among those whose core is in {@code mask}
     * (the whole group when {@code mask} is null), as SPDK spreads vhost queues.
     */
    Reactor leastLoaded(CpuMask mask);
}
