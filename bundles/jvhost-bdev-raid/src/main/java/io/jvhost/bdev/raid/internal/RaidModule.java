package io.jvhost.bdev.raid.internal;

import io.jvhost.bdev.Bdev;
import io.jvhost.bdev.BdevException;
import io.jvhost.bdev.BdevRegistry;
import io.jvhost.bdev.IoType;
import io.jvhost.bdev.spi.BaseClaim;
import io.jvhost.bdev.spi.BdevParams;
import io.jvhost.bdev.spi.BdevSpec;
import io.jvhost.bdev.spi.ModuleBdevs;
import io.jvhost.config.BundleCommands;
import io.jvhost.config.MethodRegistrations;
import io.jvhost.config.Params;
import io.jvhost.reactor.Reactor;
import io.jvhost.reactor.ReactorGroup;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.apache.felix.service.command.Descriptor;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;

/**
 * The raid module (SPDK's {@code bdev_raid_create}): raid0 stripes, raid1 mirrors and concat joins base
 * bdevs into one bdev, claiming each base. raid1 keeps serving with one base left (degraded) and reports
 * it; raid0 and concat go offline when a base goes. Superblocks are not written: the layout lives in the
 * config (save_config writes {@code bdev_raid_create} after the bases).
 */
@Component(service = RaidModule.class, immediate = true)
public final class RaidModule {
    /** SPDK's limit on bases per raid. */
    static final int MAX_BASES = 255;
    private static final Set<IoType> RAID_TYPES =
            EnumSet.of(IoType.READ, IoType.WRITE, IoType.FLUSH, IoType.UNMAP, IoType.WRITE_ZEROES);
    private static final Set<String> CATEGORIES = Set.of("all", "online", "configuring", "offline");
    private final BdevRegistry registry;
    private final ModuleBdevs bdevs;
    private final Map<String, RaidBdev> raids = new ConcurrentHashMap<>();
    private final Supplier<Reactor> rebuildReactor;
    private BundleCommands commands;

    @Activate
    public RaidModule(BundleContext context, @Reference BdevRegistry registry, @Reference ReactorGroup reactors) {
        this(registry, () -> reactors.leastLoaded(reactors.cpumask()));
        this.commands = BundleCommands.register(context, "bdev", this,
                BundleCommands.gogo("create-raid", "delete-raid", "raids", "add-raid-base"),
                MethodRegistrations.method("bdev_raid_create", "Create a raid bdev: {name, raid_level raid0|raid1|"
                        + "concat, base_bdevs [names], strip_size_kb (raid0, concat), uuid?, superblock?}", this::create),
                MethodRegistrations.method("bdev_raid_delete", "Delete a raid bdev (its bases stay): {name}",
                        this::delete),
                MethodRegistrations.method("bdev_raid_get_bdevs",
                        "List raid bdevs: {category all|online|configuring|offline}", this::list),
                MethodRegistrations.method("bdev_raid_remove_base_bdev",
                        "Take a base bdev out of its raid (raid1 serves degraded, raid0/concat go offline): {name}",
                        this::removeBase),
                MethodRegistrations.method("bdev_raid_add_base_bdev", "Put a base bdev into the empty slot of a"
                        + " degraded raid1 and rebuild it from the other mirrors while the raid serves:"
                        + " {raid_bdev, base_bdev}", this::addBase));
    }

    /** The module without its methods and commands registered, for tests; rebuilds run on {@code rebuildReactor}. */
    RaidModule(BdevRegistry registry, Supplier<Reactor> rebuildReactor) {
        this.registry = registry;
        this.bdevs = new ModuleBdevs(registry, "raid", "Raid");
        this.rebuildReactor = rebuildReactor;
    }

    @Deactivate
    void deactivate() {
        if (commands != null) {
            commands.close();
        }
        bdevs.removeAll();
        raids.clear();
    }

    ModuleBdevs bdevs() {
        return bdevs;
    }

    RaidBdev raid(String name) {
        return raids.get(name);
    }

    Object create(Params p) {
        p.allowOnly(Set.of("name", "raid_level", "base_bdevs", "strip_size_kb", "uuid", "superblock"));
        String name = p.string("name");
        RaidLevel level = RaidLevel.parse(p.string("raid_level"));
        if (p.bool("superblock", false)) {
            throw new BdevException(BdevException.Reason.INVALID, "raid " + name + ": superblocks are not"
                    + " supported; jvhost keeps the raid's layout in its config (save_config), so leave superblock off");
        }
        List<String> baseNames = new ArrayList<>();
        for (Object o : p.list("base_bdevs")) {
            if (!(o instanceof String s) || s.isEmpty()) {
                throw new BdevException(BdevException.Reason.INVALID, "raid " + name
                        + ": base_bdevs must be bdev names, not " + o);
            }
            if (baseNames.contains(s)) {
                throw new BdevException(BdevException.Reason.INVALID, "raid " + name + ": base bdev " + s
                        + " is listed twice");
            }
            baseNames.add(s);
        }
        if (baseNames.size() < level.minBases() || baseNames.size() > MAX_BASES) {
            throw new BdevException(BdevException.Reason.INVALID, "raid " + name + ": " + level.spdkName() + " needs "
                    + level.minBases() + " to " + MAX_BASES + " base bdevs, not " + baseNames.size());
        }
        int stripKb = (int) p.integer("strip_size_kb", 0, 0, 1 << 20);
        if (level.usesStrips() && (stripKb == 0 || Integer.bitCount(stripKb) != 1)) {
            throw new BdevException(BdevException.Reason.INVALID, "raid " + name + ": " + level.spdkName()
                    + " needs strip_size_kb, a power of two (e.g. 64), not " + stripKb);
        }
        if (!level.usesStrips() && stripKb != 0) {
            throw new BdevException(BdevException.Reason.INVALID, "raid " + name + ": raid1 has no strips; leave"
                    + " strip_size_kb out (or 0)");
        }
        if (raids.containsKey(name) || registry.find(name).isPresent()) {
            throw new BdevException(BdevException.Reason.EXISTS, "bdev " + name + " exists already");
        }
        RaidBdev[] raidHolder = new RaidBdev[1];
        BaseClaim[] claims = new BaseClaim[baseNames.size()];
        try {
            for (int i = 0; i < claims.length; i++) {
                int index = i;
                claims[i] = BaseClaim.claim(registry, baseNames.get(i), "raid " + name, () -> {
                    RaidBdev raid = raidHolder[0];
                    if (raid != null) {
                        raid.baseGone(index);
                    }
                }, null);
            }
            Bdev first = claims[0].bdev();
            int blockSize = first.blockSize();
            Set<IoType> types = EnumSet.copyOf(RAID_TYPES);
            for (BaseClaim c : claims) {
                if (c.bdev().blockSize() != blockSize) {
                    throw new BdevException(BdevException.Reason.INVALID, "raid " + name + ": base bdevs differ in"
                            + " block size (" + first.name() + " " + blockSize + ", " + c.bdev().name() + " "
                            + c.bdev().blockSize() + "); use bases of one block size");
                }
                types.retainAll(c.bdev().supportedIoTypes());
            }
            long stripBytes = (long) stripKb * 1024;
            if (level.usesStrips() && stripBytes < blockSize) {
                throw new BdevException(BdevException.Reason.INVALID, "raid " + name + ": strip_size_kb " + stripKb
                        + " is smaller than the bases' block size " + blockSize);
            }
            int stripBlocks = level.usesStrips() ? (int) (stripBytes / blockSize) : 0;
            long[] baseBlocks = new long[claims.length];
            for (int i = 0; i < claims.length; i++) {
                long blocks = claims[i].bdev().blockCount();
                baseBlocks[i] = level.usesStrips() ? blocks - blocks % stripBlocks : blocks;
                if (baseBlocks[i] == 0) {
                    throw new BdevException(BdevException.Reason.INVALID, "raid " + name + ": base bdev "
                            + claims[i].bdev().name() + " is smaller than one " + stripKb + " KiB strip");
                }
            }
            StripeMap map;
            long total;
            switch (level) {
                case RAID0 -> {
                    long each = Arrays.stream(baseBlocks).min().orElseThrow();
                    Arrays.fill(baseBlocks, each);
                    map = new StripeMap.Striped(claims.length, Integer.numberOfTrailingZeros(stripBlocks));
                    total = each * claims.length;
                }
                case CONCAT -> {
                    long[] starts = new long[claims.length + 1];
                    for (int i = 0; i < claims.length; i++) {
                        starts[i + 1] = starts[i] + baseBlocks[i];
                    }
                    map = new StripeMap.Concatenated(starts);
                    total = starts[claims.length];
                }
                default -> {
                    long each = Arrays.stream(baseBlocks).min().orElseThrow();
                    Arrays.fill(baseBlocks, each);
                    map = null;
                    total = each;
                }
            }
            Map<String, Object> config = new LinkedHashMap<>();
            config.put("name", name);
            config.put("strip_size_kb", stripKb);
            config.put("raid_level", level.spdkName());
            config.put("superblock", false);
            config.put("base_bdevs", List.copyOf(baseNames));
            RaidBdev raid = new RaidBdev(name, level, stripKb, baseNames, claims, map, baseBlocks, blockSize, config,
                    () -> bdevs.removeLater(name), rebuildReactor);
            raidHolder[0] = raid;
            raids.put(name, raid);
            try {
                bdevs.createRecordingUuid(new BdevSpec(name, BdevParams.uuid(p), "raid", "Raid Volume", blockSize, total,
                        stripBlocks, types, config), raid);
            } catch (RuntimeException e) {
                raids.remove(name, raid);
                throw e;
            }
            raid.registered(registry.find(name).orElseThrow());
            return true;
        } catch (RuntimeException e) {
            if (raidHolder[0] == null) {
                for (BaseClaim c : claims) {
                    if (c != null) {
                        c.close();
                    }
                }
            }
            throw e;
        }
    }

    Object delete(Params p) {
        p.allowOnly(Set.of("name"));
        String name = p.string("name");
        RaidBdev raid = raids.get(name);
        if (raid == null) {
            throw new BdevException(BdevException.Reason.NOT_FOUND, "raid bdev " + name + " not found");
        }
        if (bdevs.names().contains(name)) {
            bdevs.delete(name);
        }
        raids.remove(name, raid);
        return true;
    }

    Object list(Params p) {
        p.allowOnly(Set.of("category"));
        String category = p.string("category", "all");
        if (!CATEGORIES.contains(category)) {
            throw new BdevException(BdevException.Reason.INVALID, "unknown category '" + category
                    + "': use all, online, configuring or offline");
        }
        List<Object> out = new ArrayList<>();
        raids.values().stream().sorted((a, b) -> a.name.compareTo(b.name)).forEach(r -> {
            Map<String, Object> info = r.info();
            if (category.equals("all") || category.equals(info.get("state"))) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("name", r.name);
                m.putAll(info);
                out.add(m);
            }
        });
        return out;
    }

    /** {@code bdev_raid_remove_base_bdev {name}}: the base leaves its raid; returns once its claim is released. */
    Object removeBase(Params p) {
        p.allowOnly(Set.of("name"));
        String base = p.string("name");
        for (RaidBdev raid : raids.values()) {
            int i = raid.indexOf(base);
            if (i >= 0 && !raid.isFailed(i) && raid.state() == RaidBdev.State.ONLINE) {
                await("taking " + base + " out of raid " + raid.name, raid.baseGone(i));
                return true;
            }
        }
        throw new BdevException(BdevException.Reason.NOT_FOUND, "bdev " + base + " is not a base of an online raid");
    }

    /**
     * {@code bdev_raid_add_base_bdev {raid_bdev, base_bdev}}: the base takes the empty slot of a degraded
     * raid1 and is rebuilt while the raid serves (bdev_raid_get_bdevs shows the progress under "process").
     */
    Object addBase(Params p) {
        p.allowOnly(Set.of("raid_bdev", "base_bdev"));
        String name = p.string("raid_bdev");
        String base = p.string("base_bdev");
        RaidBdev raid = raids.get(name);
        if (raid == null) {
            throw new BdevException(BdevException.Reason.NOT_FOUND, "raid bdev " + name + " not found");
        }
        Bdev b = registry.find(base).orElseThrow(() -> new BdevException(BdevException.Reason.NOT_FOUND,
                "bdev " + base + " does not exist"));
        int slot = raid.slotFor(b);
        BaseClaim claim = BaseClaim.claim(registry, base, "raid " + name, () -> raid.baseGone(slot), null);
        try {
            raid.addBase(slot, claim);
        } catch (RuntimeException e) {
            claim.close();
            throw e;
        }
        return true;
    }

    private static void await(String what, CompletableFuture<Void> f) {
        try {
            f.get(60, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw new BdevException(BdevException.Reason.FAILED, what + ": " + e.getCause().getMessage(), e);
        } catch (TimeoutException e) {
            throw new BdevException(BdevException.Reason.BUSY, what + ": its I/O did not drain in 60 s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BdevException(BdevException.Reason.FAILED, what + ": interrupted");
        }
    }

    @Descriptor("Create a raid bdev over base bdevs (raid0 and concat need a strip size)")
    public boolean createRaid(@Descriptor("new bdev name") String name,
            @Descriptor("raid0, raid1 or concat") String level,
            @Descriptor("strip size in KiB (0 for raid1)") int stripKb,
            @Descriptor("base bdevs") String... bases) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", name);
        m.put("raid_level", level);
        m.put("base_bdevs", List.<Object>of((Object[]) bases));
        if (stripKb != 0) {
            m.put("strip_size_kb", (long) stripKb);
        }
        return (Boolean) create(new Params("bdev:create-raid", m));
    }

    @Descriptor("Put a base bdev into a degraded raid1 and rebuild it")
    public boolean addRaidBase(@Descriptor("raid bdev") String raid, @Descriptor("base bdev") String base) {
        return (Boolean) addBase(new Params("bdev:add-raid-base", Map.of("raid_bdev", raid, "base_bdev", base)));
    }

    @Descriptor("Delete a raid bdev; its bases stay")
    public boolean deleteRaid(@Descriptor("raid bdev") String name) {
        return (Boolean) delete(new Params("bdev:delete-raid", Map.of("name", name)));
    }

    @Descriptor("List the raid bdevs with their state and bases")
    public String raids() {
        StringBuilder sb = new StringBuilder(String.format("%-16s %-7s %-8s %-6s %s%n", "name", "level", "state",
                "strip", "bases (operational/total)"));
        for (Object o : (List<?>) list(new Params("bdev:raids", Map.of()))) {
            Map<?, ?> m = (Map<?, ?>) o;
            List<String> names = new ArrayList<>();
            for (Object b : (List<?>) m.get("base_bdevs_list")) {
                Map<?, ?> bm = (Map<?, ?>) b;
                names.add(bm.get("name") + (Boolean.TRUE.equals(bm.get("is_configured")) ? "" : "(gone)"));
            }
            if (m.get("process") instanceof Map<?, ?> process) {
                names.add("rebuilding " + process.get("target") + " " + ((Map<?, ?>) process.get("progress"))
                        .get("percent") + "%");
            }
            sb.append(String.format("%-16s %-7s %-8s %-6s %s/%s %s%n", m.get("name"), m.get("raid_level"),
                    m.get("state"), m.get("strip_size_kb"), m.get("num_base_bdevs_operational"), m.get("num_base_bdevs"),
                    String.join(",", names)));
        }
        return sb.toString();
    }
}
