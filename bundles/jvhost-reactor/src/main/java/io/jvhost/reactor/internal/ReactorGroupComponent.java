package io.jvhost.reactor.internal;

import io.jvhost.posix.Cpu;
import io.jvhost.reactor.CpuMask;
import io.jvhost.reactor.IdleStrategies;
import io.jvhost.reactor.Reactor;
import io.jvhost.reactor.ReactorGroup;
import java.util.List;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The process's reactor group as a service. Configured by PID {@code io.jvhost.reactor}; without a
 * configuration it takes the launcher's {@code --cpumask} and {@code --idle} (framework properties
 * {@code jvhost.cpumask} and {@code jvhost.idle}).
 */
@Component(configurationPid = ReactorGroupComponent.PID, service = ReactorGroup.class, immediate = true)
@Designate(ocd = ReactorGroupComponent.Config.class)
public final class ReactorGroupComponent implements ReactorGroup {
    static final String PID = "io.jvhost.reactor";
    static final String DEFAULT_CPUMASK = "0x1";
    private static final Logger LOG = LoggerFactory.getLogger(ReactorGroupComponent.class);

    @ObjectClassDefinition(name = "jvhost reactors")
    @interface Config {
        @AttributeDefinition(description = "Cores to run reactors on: 0x3 or 0-1; empty takes jvhost.cpumask")
        String cpumask() default "";

        @AttributeDefinition(description = "busy-spin, backoff or interrupt; empty takes jvhost.idle")
        String idle_strategy() default "";
    }

    private final ThreadReactorGroup group;

    @Activate
    public ReactorGroupComponent(BundleContext context, Config config) {
        String maskText = firstNonEmpty(config.cpumask(), context.getProperty("jvhost.cpumask"), DEFAULT_CPUMASK);
        String idle = firstNonEmpty(config.idle_strategy(), context.getProperty("jvhost.idle"), IdleStrategies.INTERRUPT);
        CpuMask mask = CpuMask.parse(maskText).requireWithin(Cpu.allowedCores());
        group = ThreadReactorGroup.start("jvhost", mask, IdleStrategies.require(idle));
        LOG.info("started {} reactor(s) on cores {} with idle strategy {}", mask.count(), mask.toList(), idle);
    }

    private static String firstNonEmpty(String... values) {
        for (String v : values) {
            if (v != null && !v.isBlank()) {
                return v.trim();
            }
        }
        return "";
    }

    @Deactivate
    void deactivate() {
        group.close();
        LOG.info("stopped reactors on cores {}", group.cpumask().toList());
    }

    @Override
    public List<Reactor> reactors() {
        return group.reactors();
    }

    @Override
    public CpuMask cpumask() {
        return group.cpumask();
    }

    @Override
    public String idleStrategy() {
        return group.idleStrategy();
    }

    @Override
    public Reactor onCore(int core) {
        return group.onCore(core);
    }

    @Override
    public Reactor leastLoaded(CpuMask mask) {
        return group.leastLoaded(mask);
    }
}
