package io.jvhost.bdev.split.internal;

import io.jvhost.bdev.Bdev;
import io.jvhost.bdev.BdevException;
import io.jvhost.bdev.BdevRegistry;
import io.jvhost.bdev.spi.BaseClaim;
import io.jvhost.bdev.spi.BdevBackend;
import io.jvhost.bdev.spi.BdevSpec;
import io.jvhost.bdev.spi.ModuleBdevs;
import io.jvhost.bdev.spi.ModuleChannel;
import io.jvhost.config.BundleCommands;
import io.jvhost.config.MethodRegistrations;
import io.jvhost.config.Params;
import io.jvhost.reactor.Reactor;
import java.util.ArrayList;
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
 * The split module (SPDK's {@code bdev_split_create}): cuts a base bdev into {@code split_count} parts
 * named {@code <base>p0}, {@code <base>p1}, ..., each a bdev of its own, all under one claim on the base.
 */
@Component(service = SplitModule.class, immediate = true)
public final class SplitModule {
    /** SPDK's limit on parts per base. */
    static final int MAX_SPLITS = 1024;
    private final BdevRegistry registry;
    private final ModuleBdevs bdevs;
    private final Map<String, SplitGroup> groups = new ConcurrentHashMap<>();
    private BundleCommands commands;

    @Activate
    public SplitModule(BundleContext context, @Reference BdevRegistry registry) {
        this(registry);
        this.commands = BundleCommands.register(context, "bdev", this, BundleCommands.gogo("create-split", "delete-split"),
                MethodRegistrations.method("bdev_split_create", "Split a bdev into equal parts: {base_bdev,"
                        + " split_count, split_size_mb?}; returns the new bdevs' names", this::create),
                MethodRegistrations.method("bdev_split_delete", "Delete every split of a base bdev: {base_bdev}",
                        this::delete));
    }

    /** The module without its methods and commands registered, for tests. */
    SplitModule(BdevRegistry registry) {
        this.registry = registry;
        this.bdevs = new ModuleBdevs(registry, "split", "Split");
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
        p.allowOnly(Set.of("base_bdev", "split_count", "split_size_mb"));
        String base = p.string("base_bdev");
        int count = (int) p.integerIn("split_count", 1, MAX_SPLITS);
        long sizeMb = p.integer("split_size_mb", 0, 0, Long.MAX_VALUE >> 20);
        if (groups.containsKey(base)) {
            throw new BdevException(BdevException.Reason.EXISTS, "bdev " + base + " is split already; bdev_split_delete"
                    + " it first");
        }
        List<String> names = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            names.add(base + "p" + i);
        }
        BaseClaim claim = BaseClaim.claim(registry, base, "split " + base, () -> names.forEach(bdevs::removeLater), null);
        Bdev b = claim.bdev();
        long blocksEach;
        try {
            blocksEach = blocksEach(b, count, sizeMb);
        } catch (RuntimeException e) {
            claim.close();
            throw e;
        }
        SplitGroup group = new SplitGroup(base, List.copyOf(names), claim);
        groups.put(base, group);
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("base_bdev", base);
        config.put("split_count", count);
        if (sizeMb > 0) {
            config.put("split_size_mb", sizeMb);
        }
        int created = 0;
        try {
            for (; created < count; created++) {
                bdevs.create(new BdevSpec(names.get(created), null, "split", "Split Disk", b.blockSize(), blocksEach,
                        b.optimalIoBoundary(), b.supportedIoTypes(), created == 0 ? config : Map.of()),
                        backend(group, created, created * blocksEach));
            }
        } catch (RuntimeException e) {
            // the failed one was destroyed by create; the ones before it go, so nothing is half-made
            for (int i = 0; i < created; i++) {
                bdevs.delete(names.get(i));
            }
            for (int i = created + 1; i < count; i++) {
                group.destroyed();
            }
            groups.remove(base, group);
            throw e;
        }
        return names;
    }

    /** Blocks per part: split_size_mb each, or the base in {@code count} equal parts. */
    static long blocksEach(Bdev b, int count, long sizeMb) {
        if (sizeMb > 0) {
            long each = (sizeMb << 20) / b.blockSize();
            if (each > b.blockCount() / count) {
                throw new BdevException(BdevException.Reason.INVALID, "bdev " + b.name() + " holds "
                        + b.blockCount() * b.blockSize() / 1048576 + " MiB, less than " + count + " splits of "
                        + sizeMb + " MiB");
            }
            return each;
        }
        if (b.blockCount() % count != 0) {
            throw new BdevException(BdevException.Reason.INVALID, "bdev " + b.name() + "'s " + b.blockCount()
                    + " blocks do not divide into " + count + " equal splits; choose a split_count that divides"
                    + " them or give split_size_mb");
        }
        return b.blockCount() / count;
    }

    private BdevBackend backend(SplitGroup group, int index, long start) {
        boolean first = index == 0;
        return new BdevBackend() {
            @Override
            public ModuleChannel createChannel(Reactor reactor) {
                return new SplitChannel(group.claim().descriptor().channel(reactor), start);
            }

            @Override
            public void destroy() {
                if (group.destroyed()) {
                    groups.remove(group.base(), group);
                }
            }

            /** One bdev_split_create remakes the whole group, so only the first part names it. */
            @Override
            public String createMethod() {
                return first ? "bdev_split_create" : "";
            }

            @Override
            public Map<String, Object> driverSpecific() {
                return Map.of("split", Map.of("base_bdev", group.base(), "offset_blocks", start));
            }
        };
    }

    Object delete(Params p) {
        p.allowOnly(Set.of("base_bdev"));
        String base = p.string("base_bdev");
        SplitGroup group = groups.get(base);
        if (group == null) {
            throw new BdevException(BdevException.Reason.NOT_FOUND, "bdev " + base + " is not split");
        }
        for (String name : group.names()) {
            if (bdevs.names().contains(name)) {
                bdevs.delete(name);
            }
        }
        return true;
    }

    @Descriptor("Split a bdev into equal parts named BASEp0, BASEp1, ...")
    public List<?> createSplit(@Descriptor("base bdev") String base, @Descriptor("number of parts") int count) {
        return (List<?>) create(new Params("bdev:create-split", Map.of("base_bdev", base, "split_count", (long) count)));
    }

    @Descriptor("Delete every split of a base bdev")
    public boolean deleteSplit(@Descriptor("base bdev") String base) {
        return (Boolean) delete(new Params("bdev:delete-split", Map.of("base_bdev", base)));
    }
}
