package io.jvhost.bdev.raid.internal;

import io.jvhost.bdev.Bdev;
import io.jvhost.bdev.BdevException;
import io.jvhost.bdev.IoChannel;
import io.jvhost.bdev.spi.BaseClaim;
import io.jvhost.bdev.spi.BdevBackend;
import io.jvhost.bdev.spi.ModuleChannel;
import io.jvhost.reactor.Reactor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One raid bdev: its claims on the bases, its geometry and its state as {@code bdev_raid_get_bdevs}
 * reports it. A base that goes away (hot-removed, deleted, or {@code bdev_raid_remove_base_bdev}) leaves a
 * raid1 degraded while a mirror is left: every channel stops sending to it, and its claim is released once
 * the pieces in flight on it are back. raid0 and concat cannot lose a base: they go offline, their bdev is
 * removed, and the entry stays (state offline) until {@code bdev_raid_delete}. A degraded raid1 takes a
 * base into the empty slot ({@code bdev_raid_add_base_bdev}) and rebuilds it ({@link RaidRebuild}): it gets
 * every write at once, and reads once the copy is done.
 */
final class RaidBdev implements BdevBackend, RaidRebuild.Raid {
    private static final Logger LOG = LoggerFactory.getLogger(RaidBdev.class);

    /** Lifecycle as SPDK names it. */
    enum State {
        ONLINE("online"), OFFLINE("offline");

        final String spdkName;

        State(String spdkName) {
            this.spdkName = spdkName;
        }
    }

    final String name;
    final RaidLevel level;
    final int stripSizeKb;
    /** The base in each slot; a slot whose base went keeps its name until another base takes it. */
    private final String[] baseNames;
    private final BaseClaim[] claims;
    private final Bdev[] baseBdevs;
    private final StripeMap map;
    private final long[] baseBlocks;
    private final int blockSize;
    private final Map<String, Object> config;
    private final Runnable goOffline;
    private final boolean[] failed;
    /** The slot being rebuilt, or -1. */
    private int rebuilding = -1;
    private RaidRebuild rebuild;
    /** The window the rebuild copies, held by channels created while it is copied. */
    private long windowStart;
    private long windowEnd;
    private final java.util.function.Supplier<Reactor> rebuildReactor;
    private int operational;
    private State state = State.ONLINE;
    private final List<Channel> channels = new ArrayList<>();
    private volatile String uuid = "";

    /** A channel and the reactor it runs on, for telling it a base went away. */
    record Channel(RaidChannel channel, Reactor reactor) {
    }

    RaidBdev(String name, RaidLevel level, int stripSizeKb, List<String> baseNames, BaseClaim[] claims,
            StripeMap map, long[] baseBlocks, int blockSize, Map<String, Object> config, Runnable goOffline,
            java.util.function.Supplier<Reactor> rebuildReactor) {
        this.name = name;
        this.level = level;
        this.stripSizeKb = stripSizeKb;
        this.baseNames = baseNames.toArray(new String[0]);
        this.rebuildReactor = rebuildReactor;
        this.claims = claims;
        this.baseBdevs = new Bdev[claims.length];
        for (int i = 0; i < claims.length; i++) {
            baseBdevs[i] = claims[i].bdev();
        }
        this.map = map;
        this.baseBlocks = baseBlocks;
        this.blockSize = blockSize;
        this.config = config;
        this.goOffline = goOffline;
        this.failed = new boolean[claims.length];
        this.operational = claims.length;
    }

    void registered(Bdev bdev) {
        this.uuid = bdev.uuid().toString();
    }

    @Override
    public ModuleChannel createChannel(Reactor reactor) {
        synchronized (this) {
            IoChannel[] bases = new IoChannel[claims.length];
            for (int i = 0; i < claims.length; i++) {
                bases[i] = failed[i] ? null : claims[i].descriptor().channel(reactor);
            }
            Channel[] self = new Channel[1];
            RaidChannel ch = new RaidChannel(level, map, bases, baseBlocks.clone(), blockSize, () -> {
                synchronized (this) {
                    channels.remove(self[0]);
                }
            }, this::writeFailed);
            if (rebuilding >= 0) {
                ch.startWriteOnly(rebuilding, windowStart, windowEnd);
            }
            self[0] = new Channel(ch, reactor);
            channels.add(self[0]);
            return ch;
        }
    }

    /** A mirror failed a write: it is out of sync and leaves the raid until it is added back and rebuilt. */
    private void writeFailed(int index) {
        String base;
        synchronized (this) {
            if (failed[index]) {
                return;
            }
            base = baseNames[index];
        }
        LOG.warn("raid {}: base {} failed a write and is out of sync; it leaves the raid (add it back with"
                + " bdev_raid_add_base_bdev to rebuild it)", name, base);
        baseGone(index);
    }

    /** The base at {@code index} went away or is being taken out; completes once its claim is released. */
    CompletableFuture<Void> baseGone(int index) {
        CompletableFuture<Void> released = new CompletableFuture<>();
        List<Channel> users;
        RaidRebuild stopped;
        synchronized (this) {
            if (failed[index]) {
                released.complete(null);
                return released;
            }
            failed[index] = true;
            if (index == rebuilding) {
                rebuilding = -1; // it never counted as operational
            } else {
                operational--;
            }
            stopped = rebuild;
            if (stopped != null) {
                stopped.cancel(); // its channels may be on this base; the claim waits for them below
            }
            if (state == State.OFFLINE) {
                released.complete(null);
                return released;
            }
            if (operational < level.minOperational(claims.length)) {
                LOG.warn("raid {}: base {} is gone and {} cannot serve without it; the raid goes offline", name,
                        baseNames[index], level.spdkName());
                goOffline.run();
                released.complete(null);
                return released;
            }
            LOG.warn("raid {}: base {} is gone; serving degraded from {} of {} bases", name, baseNames[index],
                    operational, claims.length);
            config.put("base_bdevs", presentBases());
            users = List.copyOf(channels);
        }
        AtomicInteger remaining = new AtomicInteger(users.size() + (stopped != null ? 2 : 1));
        BaseClaim leaving = claims[index];
        Runnable oneDrained = () -> {
            if (remaining.decrementAndGet() == 0) {
                leaving.close();
                released.complete(null);
            }
        };
        if (stopped != null) {
            stopped.finished.whenComplete((ok, e) -> oneDrained.run());
        }
        for (Channel c : users) {
            try {
                c.reactor().execute(() -> c.channel().dropBase(index, oneDrained));
            } catch (IllegalStateException e) {
                oneDrained.run(); // the reactor stopped: the channel is gone with it
            }
        }
        oneDrained.run();
        return released;
    }

    /** The params that recreate this raid (save_config). */
    Map<String, Object> config() {
        return config;
    }

    /** Index of base bdev {@code base} in this raid, or -1. */
    synchronized int indexOf(String base) {
        return java.util.Arrays.asList(baseNames).indexOf(base);
    }

    /** The slot a new base would take, after checking that this raid can take {@code base} now. */
    synchronized int slotFor(Bdev base) {
        if (level != RaidLevel.RAID1) {
            throw new BdevException(BdevException.Reason.INVALID, "raid " + name + " is " + level.spdkName()
                    + ": only a raid1 can take a base back (a stripe's data went with its base); delete the raid and"
                    + " create it again");
        }
        if (state != State.ONLINE) {
            throw new BdevException(BdevException.Reason.INVALID, "raid " + name + " is offline: no mirror is left"
                    + " to rebuild " + base.name() + " from");
        }
        if (rebuild != null) {
            throw new BdevException(BdevException.Reason.BUSY, "raid " + name + " is rebuilding "
                    + rebuild.targetName + "; add " + base.name() + " once that is done");
        }
        int slot = -1;
        for (int i = 0; i < failed.length && slot < 0; i++) {
            slot = failed[i] ? i : -1;
        }
        if (slot < 0) {
            throw new BdevException(BdevException.Reason.INVALID, "raid " + name + " has all its "
                    + claims.length + " bases; remove one (bdev_raid_remove_base_bdev) before adding " + base.name());
        }
        if (base.blockSize() != blockSize) {
            throw new BdevException(BdevException.Reason.INVALID, "raid " + name + " has " + blockSize
                    + "-byte blocks and " + base.name() + " " + base.blockSize() + "-byte ones; use a base of "
                    + blockSize);
        }
        if (base.blockCount() < baseBlocks[slot]) {
            throw new BdevException(BdevException.Reason.INVALID, "raid " + name + " needs " + baseBlocks[slot]
                    + " blocks on each base and " + base.name() + " has " + base.blockCount());
        }
        return slot;
    }

    /**
     * Puts the base claimed by {@code claim} into empty slot {@code slot} and starts its rebuild: every
     * channel sends it writes from now on; reads follow when the copy is done.
     */
    void addBase(int slot, BaseClaim claim) {
        List<Channel> users;
        RaidRebuild r;
        synchronized (this) {
            slotFor(claim.bdev()); // the raid may have changed since the caller checked
            List<BaseClaim> sources = new ArrayList<>();
            for (int i = 0; i < claims.length; i++) {
                if (!failed[i]) {
                    sources.add(claims[i]);
                }
            }
            claims[slot] = claim;
            baseBdevs[slot] = claim.bdev();
            baseNames[slot] = claim.bdev().name();
            failed[slot] = false;
            rebuilding = slot;
            windowStart = 0;
            windowEnd = 0;
            r = new RaidRebuild(this, name, slot, claim.bdev().name(), claim, sources.toArray(new BaseClaim[0]),
                    rebuildReactor.get(), baseBlocks[slot], blockSize);
            rebuild = r;
            users = List.copyOf(channels);
        }
        LOG.info("raid {}: {} takes slot {}; rebuilding it from the other mirror(s)", name, claim.bdev().name(), slot);
        for (Channel c : users) {
            try {
                c.reactor().execute(() -> c.channel().attachBase(slot, claim.descriptor().channel(c.reactor())));
            } catch (IllegalStateException e) {
                // the reactor stopped: its channel is gone with it
            }
        }
        r.start();
    }

    @Override
    public synchronized List<Channel> holdWindow(long start, long end) {
        windowStart = start;
        windowEnd = end;
        return List.copyOf(channels);
    }

    @Override
    public void rebuildEnded(RaidRebuild r, boolean rebuilt) {
        List<Channel> users;
        boolean drop;
        synchronized (this) {
            if (rebuild != r) {
                return;
            }
            rebuild = null;
            windowStart = 0;
            windowEnd = 0;
            drop = !rebuilt && !failed[r.target];
            if (rebuilt && !failed[r.target]) {
                rebuilding = -1;
                operational++;
                config.put("base_bdevs", presentBases());
            }
            users = List.copyOf(channels);
        }
        for (Channel c : users) {
            try {
                c.reactor().execute(() -> c.channel().rebuildEnded(r.target, rebuilt));
            } catch (IllegalStateException e) {
                // the reactor stopped: its channel is gone with it
            }
        }
        if (drop) {
            LOG.warn("raid {}: {} was not rebuilt; it leaves the raid again", name, r.targetName);
            baseGone(r.target);
        }
    }

    synchronized boolean isFailed(int index) {
        return failed[index];
    }

    @Override
    public void destroy() {
        RaidRebuild r;
        BaseClaim[] held;
        synchronized (this) {
            state = State.OFFLINE;
            r = rebuild;
            held = claims.clone();
        }
        Runnable release = () -> {
            for (BaseClaim c : held) {
                c.close();
            }
        };
        if (r == null) {
            release.run();
        } else {
            r.cancel(); // its channels are on the bases: release them once it stopped
            r.finished.whenComplete((ok, e) -> release.run());
        }
    }

    synchronized State state() {
        return state;
    }

    @Override
    public String createMethod() {
        return "bdev_raid_create";
    }

    @Override
    public Map<String, Object> driverSpecific() {
        return Map.of("raid", info());
    }

    /** SPDK's raid fields, as bdev_raid_get_bdevs and bdev_get_bdevs' driver_specific show them. */
    synchronized Map<String, Object> info() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("uuid", uuid);
        m.put("strip_size_kb", stripSizeKb);
        m.put("state", state.spdkName);
        m.put("raid_level", level.spdkName());
        m.put("superblock", false);
        m.put("num_base_bdevs", claims.length);
        m.put("num_base_bdevs_discovered", state == State.ONLINE ? operational + (rebuilding >= 0 ? 1 : 0) : 0);
        m.put("num_base_bdevs_operational", state == State.ONLINE ? operational : 0);
        if (rebuild != null) {
            long total = Math.max(1, rebuild.blocks());
            long done = rebuild.copiedBlocks();
            m.put("process", Map.of("type", "rebuild", "target", rebuild.targetName, "progress",
                    Map.of("blocks", done, "percent", (int) (done * 100 / total))));
        }
        List<Object> list = new ArrayList<>();
        for (int i = 0; i < claims.length; i++) {
            Map<String, Object> b = new LinkedHashMap<>();
            b.put("name", baseNames[i]);
            b.put("uuid", baseBdevs[i].uuid().toString());
            b.put("is_configured", state == State.ONLINE && !failed[i]);
            b.put("data_offset", 0L);
            b.put("data_size", baseBlocks[i]);
            list.add(b);
        }
        m.put("base_bdevs_list", list);
        return m;
    }

    /** The bases still in the raid, as save_config lists them (SPDK writes only the bases it holds). */
    private List<Object> presentBases() {
        List<Object> names = new ArrayList<>();
        for (int i = 0; i < claims.length; i++) {
            if (!failed[i] && i != rebuilding) {
                names.add(baseNames[i]);
            }
        }
        return names;
    }
}
