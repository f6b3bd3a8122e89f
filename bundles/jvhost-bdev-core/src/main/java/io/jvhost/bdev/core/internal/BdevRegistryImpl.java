package io.jvhost.bdev.core.internal;

import io.jvhost.bdev.Bdev;
import io.jvhost.bdev.BdevDescriptor;
import io.jvhost.bdev.BdevEventListener;
import io.jvhost.bdev.BdevException;
import io.jvhost.bdev.BdevRegistry;
import io.jvhost.bdev.OpenMode;
import io.jvhost.bdev.spi.BdevBackend;
import io.jvhost.bdev.spi.BdevSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The process-wide bdev registry. */
@Component(service = BdevRegistry.class)
public final class BdevRegistryImpl implements BdevRegistry {
    private static final Logger LOG = LoggerFactory.getLogger(BdevRegistryImpl.class);
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.:\\-]{1,64}");
    /** How long removal waits for openers to close before giving up (and leaking rather than crashing). */
    static final long DRAIN_TIMEOUT_SECONDS = 30;
    private final Map<String, RegisteredBdev> bdevs = new ConcurrentHashMap<>();
    /** Registration order: a stacked bdev always comes after its base, which save_config must keep. */
    private final java.util.concurrent.atomic.AtomicLong registrations = new java.util.concurrent.atomic.AtomicLong();

    @Override
    public List<Bdev> list() {
        List<Bdev> out = new ArrayList<>(bdevs.values());
        out.sort((a, b) -> a.name().compareTo(b.name()));
        return out;
    }

    @Override
    public Optional<Bdev> find(String name) {
        return Optional.ofNullable(bdevs.get(name));
    }

    @Override
    public BdevDescriptor open(String name, OpenMode mode, String owner, BdevEventListener listener) {
        RegisteredBdev b = bdevs.get(name);
        if (b == null) {
            throw notFound(name);
        }
        return b.open(mode, owner, listener);
    }

    @Override
    public Bdev register(BdevSpec spec, BdevBackend backend) {
        validate(spec);
        RegisteredBdev b = new RegisteredBdev(spec, backend, registrations.incrementAndGet());
        if (bdevs.putIfAbsent(spec.name(), b) != null) {
            throw new BdevException(BdevException.Reason.EXISTS, "bdev " + spec.name() + " already exists; choose another name");
        }
        LOG.info("bdev {} registered by {}: {} blocks of {} bytes", spec.name(), spec.moduleName(), spec.blockCount(),
                spec.blockSize());
        return b;
    }

    /**
     * Sets a bdev's QoS limits (SPDK's bdev_set_qos_limit); all zero removes them.
     *
     * @throws BdevException NOT_FOUND naming the bdev
     */
    public void setRateLimits(String name, RateLimits limits) {
        RegisteredBdev b = bdevs.get(name);
        if (b == null || b.isRemoved()) {
            throw notFound(name);
        }
        b.setRateLimits(limits);
    }

    private BdevException notFound(String name) {
        return new BdevException(BdevException.Reason.NOT_FOUND, "bdev " + name + " does not exist; bdevs: "
                + bdevs.keySet().stream().sorted().toList());
    }

    /** A bdev's QoS limits ({@link RateLimits#NONE} without any). */
    RateLimits rateLimits(String name) {
        RegisteredBdev b = bdevs.get(name);
        return b == null ? RateLimits.NONE : b.rateLimits();
    }

    static void validate(BdevSpec spec) {
        if (spec.name() == null || !NAME.matcher(spec.name()).matches()) {
            throw new BdevException(BdevException.Reason.INVALID, "invalid bdev name '" + spec.name()
                    + "': use 1-64 letters, digits, '_', '-', '.' or ':'");
        }
        if (spec.blockSize() != 512 && spec.blockSize() != 4096) {
            throw new BdevException(BdevException.Reason.INVALID, "bdev " + spec.name() + ": block size "
                    + spec.blockSize() + " is not supported; use 512 or 4096");
        }
        if (spec.blockCount() < 1) {
            throw new BdevException(BdevException.Reason.INVALID, "bdev " + spec.name() + ": block count must be at least 1");
        }
    }

    @Override
    public CompletableFuture<Void> unregister(String name, boolean force) {
        RegisteredBdev b = bdevs.get(name);
        if (b == null) {
            throw new BdevException(BdevException.Reason.NOT_FOUND, "bdev " + name + " does not exist");
        }
        if (!force && !b.openers().isEmpty()) {
            throw new BdevException(BdevException.Reason.BUSY, "bdev " + name + " is in use by " + b.openers()
                    + "; remove those users first");
        }
        if (!bdevs.remove(name, b)) {
            throw new BdevException(BdevException.Reason.NOT_FOUND, "bdev " + name + " is already being removed");
        }
        return b.remove().orTimeout(DRAIN_TIMEOUT_SECONDS, TimeUnit.SECONDS).handle((v, err) -> {
            if (err != null) {
                LOG.error("bdev {}: openers {} did not close within {} s; its resources are kept to stay safe",
                        name, b.openers(), DRAIN_TIMEOUT_SECONDS);
                throw new BdevException(BdevException.Reason.BUSY, "bdev " + name + " removal timed out: still open by "
                        + b.openers());
            }
            b.backend().destroy();
            LOG.info("bdev {} removed", name);
            return null;
        });
    }

    @Override
    public void resize(String name, long newBlockCount) {
        RegisteredBdev b = bdevs.get(name);
        if (b == null) {
            throw new BdevException(BdevException.Reason.NOT_FOUND, "bdev " + name + " does not exist");
        }
        if (newBlockCount < 1) {
            throw new BdevException(BdevException.Reason.INVALID, "bdev " + name + ": block count must be at least 1");
        }
        b.setBlockCount(newBlockCount);
    }

    /** The bdevs in the order they were registered (bases before what is stacked on them). */
    List<Bdev> inRegistrationOrder() {
        List<RegisteredBdev> out = new ArrayList<>(bdevs.values());
        out.sort(java.util.Comparator.comparingLong(RegisteredBdev::sequence));
        return List.copyOf(out);
    }

    /** For listings and save_config: the spec a bdev was created with. */
    Optional<BdevSpec> spec(String name) {
        return Optional.ofNullable(bdevs.get(name)).map(RegisteredBdev::spec);
    }

    Optional<String> createMethod(String name) {
        return Optional.ofNullable(bdevs.get(name)).map(b -> b.backend().createMethod());
    }

    @Deactivate
    void deactivate() {
        if (!bdevs.isEmpty()) {
            LOG.warn("bdev registry stopping with bdevs still registered: {}", bdevs.keySet());
        }
    }
}
