package io.jvhost.bdev.core.internal;

import io.jvhost.bdev.Bdev;
import io.jvhost.bdev.BdevException;
import io.jvhost.bdev.BdevRegistry;
import io.jvhost.config.Json;
import io.jvhost.config.MethodException;
import io.jvhost.config.MethodRegistrations;
import io.jvhost.config.Params;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.felix.service.command.Descriptor;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;

/** SPDK's generic bdev methods and the {@code bdev:} Gogo commands. */
@Component(service = BdevManagement.class, immediate = true, property = {"osgi.command.scope=bdev", "osgi.command.function=list",
    "osgi.command.function=info", "osgi.command.function=delete", "osgi.command.function=iostat"})
public final class BdevManagement {
    private final BdevRegistry registry;
    private final MethodRegistrations methods;

    @Activate
    public BdevManagement(BundleContext context, @Reference BdevRegistry registry) {
        this.registry = registry;
        this.methods = MethodRegistrations.register(context,
                MethodRegistrations.method("bdev_get_bdevs", "List bdevs, or one with {name}", this::getBdevs),
                MethodRegistrations.method("bdev_get_iostat", "I/O statistics of all bdevs, or one with {name}",
                        this::getIostat),
                MethodRegistrations.method("bdev_set_qos_limit", "Set, change or remove (0) a bdev's QoS limits:"
                        + " {name, rw_ios_per_sec, rw_mbytes_per_sec, r_mbytes_per_sec, w_mbytes_per_sec}",
                        this::setQosLimit),
                MethodRegistrations.method("bdev_wait_for_examine", "Returns once every bdev is examined (here at"
                        + " once: a bdev is registered whole when its create call returns)", p -> {
                            p.allowOnly(Set.of());
                            return true;
                        }));
    }

    @Deactivate
    void deactivate() {
        methods.close();
    }

    private List<Bdev> selected(Params p, Set<String> allowed) {
        p.allowOnly(allowed);
        if (!p.has("name")) {
            return registry.list();
        }
        String name = p.string("name");
        return List.of(registry.find(name).orElseThrow(() ->
                new BdevException(BdevException.Reason.NOT_FOUND, "bdev " + name + " does not exist")));
    }

    /**
     * SPDK's bdev_set_qos_limit: limits not given stay as they were, 0 removes one, an I/O limit is
     * rounded up to a multiple of 1000.
     */
    Object setQosLimit(Params p) {
        Set<String> allowed = new java.util.HashSet<>(RateLimits.NAMES);
        allowed.add("name");
        p.allowOnly(allowed);
        String name = p.string("name");
        if (RateLimits.NAMES.stream().noneMatch(p::has)) {
            throw MethodException.invalidParams("bdev_set_qos_limit: give at least one of "
                    + String.join(", ", RateLimits.NAMES));
        }
        BdevRegistryImpl impl = (BdevRegistryImpl) registry;
        RateLimits old = impl.rateLimits(name);
        long max = Long.MAX_VALUE / (1024 * 1024);
        RateLimits next = new RateLimits(
                RateLimits.roundIos(p.integer(RateLimits.RW_IOS, old.rwIosPerSec(), 0, max)),
                p.integer(RateLimits.RW_MB, old.rwMbytesPerSec(), 0, max),
                p.integer(RateLimits.R_MB, old.rMbytesPerSec(), 0, max),
                p.integer(RateLimits.W_MB, old.wMbytesPerSec(), 0, max));
        impl.setRateLimits(name, next);
        return true;
    }

    Object getBdevs(Params p) {
        return selected(p, Set.of("name", "timeout")).stream().map(BdevInfo::describe).toList();
    }

    /** SPDK's bdev_get_iostat: all bdevs or one; with per_channel (which needs a name), that bdev per thread. */
    Object getIostat(Params p) {
        List<Bdev> bdevs = selected(p, Set.of("name", "per_channel"));
        boolean perChannel = p.bool("per_channel", false);
        if (perChannel && !p.has("name")) {
            throw MethodException.invalidParams("bdev_get_iostat: per_channel needs the name of a bdev");
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("tick_rate", 1_000_000_000L);
        m.put("ticks", System.nanoTime());
        if (perChannel) {
            m.putAll(BdevInfo.iostatPerChannel(bdevs.get(0)));
        } else {
            m.put("bdevs", bdevs.stream().map(BdevInfo::iostat).toList());
        }
        return m;
    }

    @Descriptor("List bdevs: name, module, block size, blocks, size, openers")
    public String list() {
        StringBuilder sb = new StringBuilder(String.format("%-16s %-8s %-6s %-14s %-10s %s%n", "name", "module",
                "bsize", "blocks", "size", "openers"));
        for (Bdev b : registry.list()) {
            sb.append(String.format("%-16s %-8s %-6d %-14d %-10s %s%n", b.name(), b.moduleName(), b.blockSize(),
                    b.blockCount(), humanSize(b.blockCount() * b.blockSize()), b.openers()));
        }
        return sb.toString();
    }

    @Descriptor("Show one bdev as JSON (as bdev_get_bdevs shows it)")
    public String info(@Descriptor("bdev name") String name) {
        return Json.writePretty(getBdevs(new Params("bdev:info", Map.of("name", name))));
    }

    @Descriptor("Delete a bdev nobody has open (any module)")
    public String delete(@Descriptor("bdev name") String name) throws Exception {
        registry.unregister(name, false).get(60, TimeUnit.SECONDS);
        return "deleted " + name;
    }

    @Descriptor("I/O statistics of every bdev")
    public String iostat() {
        return iostatTable(registry.list());
    }

    @Descriptor("I/O statistics of one bdev")
    public String iostat(@Descriptor("bdev name") String name) {
        return iostatTable(selected(new Params("bdev:iostat", Map.of("name", name)), Set.of("name")));
    }

    private static String iostatTable(List<Bdev> bdevs) {
        StringBuilder sb = new StringBuilder(String.format("%-16s %12s %12s %12s %12s %8s %6s %10s %10s %10s%n",
                "name", "reads", "read MiB", "writes", "write MiB", "errors", "qd", "p50 us", "p99 us", "p99.9 us"));
        for (Bdev b : bdevs) {
            Map<String, Object> s = BdevInfo.iostat(b);
            sb.append(String.format("%-16s %12d %12.1f %12d %12.1f %8d %6d %10.1f %10.1f %10.1f%n", b.name(),
                    s.get("num_read_ops"), (Long) s.get("bytes_read") / 1048576.0, s.get("num_write_ops"),
                    (Long) s.get("bytes_written") / 1048576.0, s.get("num_errors"), s.get("queue_depth"),
                    (Long) s.get("latency_p50_ns") / 1000.0, (Long) s.get("latency_p99_ns") / 1000.0,
                    (Long) s.get("latency_p999_ns") / 1000.0));
        }
        return sb.toString();
    }

    static String humanSize(long bytes) {
        String[] units = {"B", "KiB", "MiB", "GiB", "TiB"};
        double v = bytes;
        int u = 0;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format("%.1f %s", v, units[u]);
    }
}
