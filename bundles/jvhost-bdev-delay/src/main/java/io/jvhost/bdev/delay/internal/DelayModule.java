package io.jvhost.bdev.delay.internal;

import io.jvhost.bdev.Bdev;
import io.jvhost.bdev.BdevException;
import io.jvhost.bdev.BdevRegistry;
import io.jvhost.bdev.spi.BaseClaim;
import io.jvhost.bdev.spi.BdevBackend;
import io.jvhost.bdev.spi.BdevParams;
import io.jvhost.bdev.spi.BdevSpec;
import io.jvhost.bdev.spi.ModuleBdevs;
import io.jvhost.bdev.spi.ModuleChannel;
import io.jvhost.config.BundleCommands;
import io.jvhost.config.MethodRegistrations;
import io.jvhost.config.Params;
import io.jvhost.reactor.Reactor;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.felix.service.command.Descriptor;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;

/**
 * The delay module (SPDK's {@code bdev_delay_create}): a virtual bdev that adds an average latency to
 * reads and writes, and a p99 latency to one in 100 of them, on top of the base's own.
 */
@Component(service = DelayModule.class, immediate = true)
public final class DelayModule {
    /** An hour: longer would look like a hang, not a latency. */
    static final long MAX_LATENCY_US = 3_600_000_000L;
    private final BdevRegistry registry;
    private final ModuleBdevs bdevs;
    private final Map<String, DelayBdev> delays = new ConcurrentHashMap<>();
    private BundleCommands commands;

    @Activate
    public DelayModule(BundleContext context, @Reference BdevRegistry registry) {
        this(registry);
        this.commands = BundleCommands.register(context, "bdev", this, BundleCommands.gogo("create-delay"),
                MethodRegistrations.method("bdev_delay_create", "Create a delay bdev over a base: {base_bdev_name, name,"
                        + " avg_read_latency, p99_read_latency, avg_write_latency, p99_write_latency (us), uuid?}",
                        this::create),
                bdevs.deleteMethod(),
                MethodRegistrations.method("bdev_delay_update_latency", "Change one latency of a delay bdev:"
                        + " {delay_bdev_name, latency_type (avg_read|p99_read|avg_write|p99_write), latency_us}",
                        this::update));
    }

    /** The module without its methods and commands registered, for tests. */
    DelayModule(BdevRegistry registry) {
        this.registry = registry;
        this.bdevs = new ModuleBdevs(registry, "delay", "Delay");
    }

    @Deactivate
    void deactivate() {
        if (commands != null) {
            commands.close();
        }
        bdevs.removeAll();
    }

    ModuleBdevs bdevs() {
        return bdevs;
    }

    Object create(Params p) {
        p.allowOnly(Set.of("base_bdev_name", "name", "avg_read_latency", "p99_read_latency", "avg_write_latency",
                "p99_write_latency", "uuid"));
        String base = p.string("base_bdev_name");
        String name = p.string("name");
        DelayLatencies l = new DelayLatencies(p.integerIn("avg_read_latency", 0, MAX_LATENCY_US),
                p.integerIn("p99_read_latency", 0, MAX_LATENCY_US), p.integerIn("avg_write_latency", 0, MAX_LATENCY_US),
                p.integerIn("p99_write_latency", 0, MAX_LATENCY_US));
        BaseClaim claim = BaseClaim.claim(registry, base, "delay " + name, () -> bdevs.removeLater(name),
                blocks -> registry.resize(name, blocks));
        Bdev b = claim.bdev();
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("base_bdev_name", base);
        config.put("name", name);
        config.putAll(l.asParams());
        DelayBdev delay = new DelayBdev(l, config);
        BdevBackend backend = new BdevBackend() {
            @Override
            public ModuleChannel createChannel(Reactor reactor) {
                return new DelayChannel(claim.descriptor().channel(reactor), l);
            }

            @Override
            public void destroy() {
                delays.remove(name, delay);
                claim.close();
            }

            @Override
            public String createMethod() {
                return "bdev_delay_create";
            }

            @Override
            public Map<String, Object> driverSpecific() {
                Map<String, Object> d = new LinkedHashMap<>();
                d.put("name", name);
                d.put("base_bdev_name", base);
                d.putAll(l.asParams());
                return Map.of("delay", d);
            }
        };
        if (delays.putIfAbsent(name, delay) != null) {
            claim.close();
            throw new BdevException(BdevException.Reason.EXISTS, "bdev " + name + " already exists; choose another name");
        }
        try {
            return bdevs.createRecordingUuid(new BdevSpec(name, BdevParams.uuid(p), "delay", "delay", b.blockSize(),
                    b.blockCount(), b.optimalIoBoundary(), b.supportedIoTypes(), config), backend);
        } catch (RuntimeException e) {
            delays.remove(name, delay);
            throw e;
        }
    }

    Object update(Params p) {
        p.allowOnly(Set.of("delay_bdev_name", "latency_type", "latency_us"));
        String name = p.string("delay_bdev_name");
        DelayBdev delay = delays.get(name);
        if (delay == null) {
            throw new BdevException(BdevException.Reason.NOT_FOUND, "no delay bdev named " + name + "; delay bdevs: "
                    + List.copyOf(delays.keySet()));
        }
        delay.latencies().update(p.string("latency_type"), p.integerIn("latency_us", 0, MAX_LATENCY_US));
        // existing keys only: no structural change while a save_config reads the map
        delay.config().putAll(delay.latencies().asParams());
        return true;
    }

    @Descriptor("Create a delay bdev over a base bdev, latencies in microseconds")
    public String createDelay(@Descriptor("base bdev") String base, @Descriptor("new bdev name") String name,
            @Descriptor("average read latency (us)") long avgRead, @Descriptor("p99 read latency (us)") long p99Read,
            @Descriptor("average write latency (us)") long avgWrite,
            @Descriptor("p99 write latency (us)") long p99Write) {
        return (String) create(new Params("bdev:create-delay", Map.of("base_bdev_name", base, "name", name,
                "avg_read_latency", avgRead, "p99_read_latency", p99Read, "avg_write_latency", avgWrite,
                "p99_write_latency", p99Write)));
    }

    /**
     * One delay bdev's latencies and its create params, which save_config writes (latency updates are
     * kept in them, so a saved config recreates the bdev as it is now).
     */
    private record DelayBdev(DelayLatencies latencies, Map<String, Object> config) {
    }
}
