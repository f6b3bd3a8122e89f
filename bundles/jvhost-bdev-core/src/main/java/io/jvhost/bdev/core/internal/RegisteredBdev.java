package io.jvhost.bdev.core.internal;

import io.jvhost.bdev.Bdev;
import io.jvhost.bdev.BdevEventListener;
import io.jvhost.bdev.BdevException;
import io.jvhost.bdev.BdevStats;
import io.jvhost.bdev.IoType;
import io.jvhost.bdev.OpenMode;
import io.jvhost.bdev.spi.BdevBackend;
import io.jvhost.bdev.spi.BdevSpec;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A registered bdev: its module backend, its openers and channels, and its removal. */
final class RegisteredBdev implements Bdev {
    private static final Logger LOG = LoggerFactory.getLogger(RegisteredBdev.class);
    private final BdevSpec spec;
    private final UUID uuid;
    private final Set<IoType> ioTypes;
    private final BdevBackend backend;
    private final List<Descriptor> descriptors = new CopyOnWriteArrayList<>();
    private final Set<CoreChannel> channels = ConcurrentHashMap.newKeySet();
    private final StatsTotals retired = new StatsTotals();
    private final CompletableFuture<Void> drained = new CompletableFuture<>();
    private volatile long blockCount;
    private volatile boolean removed;
    /** QoS of this bdev, or null when it has no limits (the common case costs one volatile read). */
    private volatile RateLimiter rateLimiter;

    private final long sequence;

    RegisteredBdev(BdevSpec spec, BdevBackend backend, long sequence) {
        this.sequence = sequence;
        this.spec = spec;
        this.uuid = spec.uuid() != null ? spec.uuid() : UUID.randomUUID();
        this.ioTypes = spec.ioTypes().isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(spec.ioTypes()));
        this.backend = backend;
        this.blockCount = spec.blockCount();
    }

    BdevSpec spec() {
        return spec;
    }

    /** When it was registered, relative to the others. */
    long sequence() {
        return sequence;
    }

    BdevBackend backend() {
        return backend;
    }

    @Override
    public String name() {
        return spec.name();
    }

    @Override
    public UUID uuid() {
        return uuid;
    }

    @Override
    public String moduleName() {
        return spec.moduleName();
    }

    @Override
    public String productName() {
        return spec.productName();
    }

    @Override
    public int blockSize() {
        return spec.blockSize();
    }

    @Override
    public long blockCount() {
        return blockCount;
    }

    /** The limiter every channel admits requests through, or null without QoS limits. */
    RateLimiter rateLimiter() {
        return rateLimiter;
    }

    RateLimits rateLimits() {
        RateLimiter r = rateLimiter;
        return r == null ? RateLimits.NONE : r.limits();
    }

    /** Sets the QoS limits (all zero: none); channels pick the change up with their next request. */
    void setRateLimits(RateLimits limits) {
        rateLimiter = limits.isNone() ? null : new RateLimiter(limits);
        LOG.info("bdev {}: QoS limits {}", name(), limits.isNone() ? "removed" : limits.describe());
    }

    void setBlockCount(long n) {
        long old = blockCount;
        blockCount = n;
        for (Descriptor d : descriptors) {
            try {
                d.listener.resized(this, old, n);
            } catch (RuntimeException e) {
                LOG.warn("bdev {}: resize listener of {} failed", name(), d.owner(), e);
            }
        }
    }

    @Override
    public int optimalIoBoundary() {
        return spec.optimalIoBoundary();
    }

    @Override
    public Set<IoType> supportedIoTypes() {
        return ioTypes;
    }

    @Override
    public boolean isRemoved() {
        return removed;
    }

    @Override
    public List<String> openers() {
        return descriptors.stream().map(Descriptor::toString).toList();
    }

    synchronized Descriptor open(OpenMode mode, String owner, BdevEventListener listener) {
        if (removed) {
            throw new BdevException(BdevException.Reason.NOT_FOUND, "bdev " + name() + " is being removed");
        }
        if (mode.writable()) {
            for (Descriptor d : descriptors) {
                boolean conflict = d.mode() == OpenMode.WRITE_EXCLUSIVE
                        || (mode == OpenMode.WRITE_EXCLUSIVE && d.mode() == OpenMode.WRITE_SHARED);
                if (conflict) {
                    throw new BdevException(BdevException.Reason.BUSY, "bdev " + name() + " is claimed for writing by "
                            + d.owner() + "; open it read-only, or have both sides open it shared");
                }
            }
        }
        Descriptor d = new Descriptor(this, mode, owner, listener);
        descriptors.add(d);
        return d;
    }

    void channelOpened(CoreChannel c) {
        channels.add(c);
    }

    void channelClosed(CoreChannel c) {
        if (channels.remove(c)) {
            retired.add(c.stats);
        }
    }

    void descriptorClosing(Descriptor d) {
        synchronized (this) {
            descriptors.remove(d);
        }
    }

    void descriptorMaybeDone(Descriptor d) {
        if (removed && descriptors.isEmpty() && channels.isEmpty()) {
            drained.complete(null);
        }
    }

    /** Marks the bdev removed, tells openers, and returns a future completed when all channels closed. */
    CompletableFuture<Void> remove() {
        synchronized (this) {
            removed = true;
        }
        for (Descriptor d : descriptors) {
            try {
                d.listener.removed(this);
            } catch (RuntimeException e) {
                LOG.warn("bdev {}: removal listener of {} failed", name(), d.owner(), e);
            }
        }
        descriptorMaybeDone(null);
        return drained;
    }

    @Override
    public BdevStats stats() {
        StatsTotals t = retired.copy();
        long depth = 0;
        for (CoreChannel c : channels) {
            t.add(c.stats);
            depth += c.inFlight();
        }
        return t.toStats(depth);
    }

    @Override
    public Map<String, Object> driverSpecific() {
        return backend.driverSpecific();
    }

    @Override
    public Map<Integer, BdevStats> statsPerReactor() {
        Map<Integer, StatsTotals> totals = new TreeMap<>();
        Map<Integer, Long> depths = new TreeMap<>();
        for (CoreChannel c : channels) {
            int reactor = c.reactor().index();
            totals.computeIfAbsent(reactor, r -> new StatsTotals()).add(c.stats);
            depths.merge(reactor, (long) c.inFlight(), Long::sum);
        }
        Map<Integer, BdevStats> result = new TreeMap<>();
        totals.forEach((r, t) -> result.put(r, t.toStats(depths.get(r))));
        return result;
    }

    @Override
    public String toString() {
        return name();
    }
}
