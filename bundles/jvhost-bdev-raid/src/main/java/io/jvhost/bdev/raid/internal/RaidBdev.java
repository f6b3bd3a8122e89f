package io.jvhost.bdev.raid.internal;

import io.jvhost.bdev.Bdev;
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
 * removed, and the entry stays (state offline) until {@code bdev_raid_delete}.
 */
final class RaidBdev implements BdevBackend {
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
    final List<String> baseNames;
    private final BaseClaim[] claims;
    private final Bdev[] baseBdevs;
    private final StripeMap map;
    private final long[] baseBlocks;
    private final int blockSize;
    private final Map<String, Object> config;
    private final Runnable goOffline;
    private final boolean[] failed;
    private int operational;
    private State state = State.ONLINE;
    private final List<Channel> channels = new ArrayList<>();
    private volatile String uuid = "";

    /** A channel and the reactor it runs on, for telling it a base went away. */
    private record Channel(RaidChannel channel, Reactor reactor) {
    }

    RaidBdev(String name, RaidLevel level, int stripSizeKb, List<String> baseNames, BaseClaim[] claims,
            StripeMap map, long[] baseBlocks, int blockSize, Map<String, Object> config, Runnable goOffline) {
        this.name = name;
        this.level = level;
        this.stripSizeKb = stripSizeKb;
        this.baseNames = List.copyOf(baseNames);
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
            });
            self[0] = new Channel(ch, reactor);
            channels.add(self[0]);
            return ch;
        }
    }

    /** The base at {@code index} went away or is being taken out; completes once its claim is released. */
    CompletableFuture<Void> baseGone(int index) {
        CompletableFuture<Void> released = new CompletableFuture<>();
        List<Channel> users;
        synchronized (this) {
            if (failed[index]) {
                released.complete(null);
                return released;
            }
            failed[index] = true;
            operational--;
            if (state == State.OFFLINE) {
                released.complete(null);
                return released;
            }
            if (operational < level.minOperational(claims.length)) {
                LOG.warn("raid {}: base {} is gone and {} cannot serve without it; the raid goes offline", name,
                        baseNames.get(index), level.spdkName());
                goOffline.run();
                released.complete(null);
                return released;
            }
            LOG.warn("raid {}: base {} is gone; serving degraded from {} of {} bases", name, baseNames.get(index),
                    operational, claims.length);
            config.put("base_bdevs", presentBases());
            users = List.copyOf(channels);
        }
        AtomicInteger remaining = new AtomicInteger(users.size() + 1);
        Runnable oneDrained = () -> {
            if (remaining.decrementAndGet() == 0) {
                claims[index].close();
                released.complete(null);
            }
        };
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
    int indexOf(String base) {
        return baseNames.indexOf(base);
    }

    synchronized boolean isFailed(int index) {
        return failed[index];
    }

    @Override
    public void destroy() {
        synchronized (this) {
            state = State.OFFLINE;
        }
        for (BaseClaim c : claims) {
            c.close();
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
        m.put("num_base_bdevs_discovered", state == State.ONLINE ? operational : 0);
        m.put("num_base_bdevs_operational", state == State.ONLINE ? operational : 0);
        List<Object> list = new ArrayList<>();
        for (int i = 0; i < claims.length; i++) {
            Map<String, Object> b = new LinkedHashMap<>();
            b.put("name", baseNames.get(i));
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
            if (!failed[i]) {
                names.add(baseNames.get(i));
            }
        }
        return names;
    }
}
