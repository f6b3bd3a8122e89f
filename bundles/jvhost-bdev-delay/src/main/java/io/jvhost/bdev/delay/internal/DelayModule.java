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
    private final Map<String, DelayLatencies> latencies = new ConcurrentHashMap<>();
    /** Each bdev's create params, which save_config writes: latency updates are kept in them. */
    private final Map<String, Map<String, Object>> configs = new ConcurrentHashMap<>();
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
        BdevBackend backend = new BdevBackend() {
            @Override
            public ModuleChannel createChannel(Reactor reactor) {
                return new DelayChannel(claim.descriptor().channel(reactor), l);
            }

            @Override
            public void destroy() {
                if (latencies.remove(name, l)) {
                    configs.remove(name);
                }
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
        if (latencies.putIfAbsent(name, l) != null) {
            claim.close();
            throw new BdevException(BdevException.Reason.EXISTS, "bdev " + name + " already exists; choose another name");
        }
        configs.put(name, new LinkedHashMap<>());
        Map<String, Object> config = configs.get(name);
        config.put("base_bdev_name", base);
        config.put("name", name);
        config.putAll(l.asParams());
        try {
            return bdevs.createRecordingUuid(new BdevSpec(name, BdevParams.uuid(p), "delay", "delay", b.blockSize(),
                    b.blockCount(), b.optimalIoBoundary(), b.supportedIoTypes(), config), backend);
        } catch (RuntimeException e) {
            latencies.remove(name, l);
            configs.remove(name);
            throw e;
        }
    }

    Object update(Params p) {
        p.allowOnly(Set.of("delay_bdev_name", "latency_type", "latency_us"));
        String name = p.string("delay_bdev_name");
        DelayLatencies l = latencies.get(name);
        if (l == null) {
            throw new BdevException(BdevException.Reason.NOT_FOUND, "no delay bdev named " + name + "; delay bdevs: "
                    + List.copyOf(latencies.keySet()));
        }
        l.update(p.string("latency_type"), p.integerIn("latency_us", 0, MAX_LATENCY_US));
        Map<String, Object> config = configs.get(name);
        if (config != null) {
            config.putAll(l.asParams()); // existing keys only: no structural change under a save_config
        }
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
}
