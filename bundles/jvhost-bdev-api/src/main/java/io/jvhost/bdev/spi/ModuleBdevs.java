package io.jvhost.bdev.spi;

import io.jvhost.bdev.Bdev;
import io.jvhost.bdev.BdevException;
import io.jvhost.bdev.BdevRegistry;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The bdevs one module created: registers and deletes them, and hot-removes all of them when the
 * module's bundle stops, waiting until their channels drained and memory was released.
 */
public final class ModuleBdevs {
    private final BdevRegistry registry;
    private final String module;
    private final String namePrefix;
    private final Set<String> names = ConcurrentHashMap.newKeySet();
    private final AtomicInteger nextIndex = new AtomicInteger();

    public ModuleBdevs(BdevRegistry registry, String module, String namePrefix) {
        this.registry = registry;
        this.module = module;
        this.namePrefix = namePrefix;
    }

    /** The next free default name, e.g. {@code Malloc0}, as SPDK names unnamed bdevs. */
    public String nextName() {
        String n;
        do {
            n = namePrefix + nextIndex.getAndIncrement();
        } while (registry.find(n).isPresent());
        return n;
    }

    /**
     * Registers a bdev; on failure the backend is destroyed so nothing leaks. The module forgets the
     * bdev when it is destroyed, however it was deleted.
     */
    public Bdev create(BdevSpec spec, BdevBackend backend) {
        BdevBackend tracked = new BdevBackend() {
            @Override
            public ModuleChannel createChannel(io.jvhost.reactor.Reactor reactor) {
                return backend.createChannel(reactor);
            }

            @Override
            public void destroy() {
                names.remove(spec.name());
                backend.destroy();
            }

            @Override
            public String createMethod() {
                return backend.createMethod();
            }

            @Override
            public Map<String, Object> driverSpecific() {
                return backend.driverSpecific();
            }
        };
        try {
            Bdev b = registry.register(spec, tracked);
            names.add(spec.name());
            return b;
        } catch (RuntimeException e) {
            backend.destroy();
            throw e;
        }
    }

    /**
     * {@link #create} for a module whose config map is this one bdev's create call: the bdev's uuid
     * is added to it, so a saved and replayed config keeps the bdev's identity. Returns the name.
     */
    public String createRecordingUuid(BdevSpec spec, BdevBackend backend) {
        Bdev b = create(spec, backend);
        spec.config().put("uuid", b.uuid().toString());
        return spec.name();
    }

    /** {@code bdev_<module>_delete {name}}, the delete method every module offers, returning true. */
    public io.jvhost.config.ConfigMethod deleteMethod() {
        return io.jvhost.config.MethodRegistrations.method("bdev_" + module + "_delete",
                "Delete " + (module.matches("[aeio].*") ? "an " : "a ") + module + " bdev: {name}", p -> {
                    p.allowOnly(Set.of("name"));
                    delete(p.string("name"));
                    return true;
                });
    }

    /**
     * Deletes one of this module's bdevs as SPDK's {@code bdev_*_delete} does: a bdev still open is
     * hot-removed (its users are told and fail new I/O), and this returns once every user closed it.
     */
    public void delete(String name) {
        if (!names.contains(name)) {
            throw new BdevException(BdevException.Reason.NOT_FOUND, "no " + module + " bdev named " + name);
        }
        await(name, registry.unregister(name, true));
        names.remove(name);
    }

    /**
     * Starts hot-removing {@code name} without waiting, for a virtual bdev whose base is going away (the
     * base's removal waits for this one's claim to close, so blocking here would only delay it).
     */
    public void removeLater(String name) {
        if (!names.contains(name)) {
            return;
        }
        try {
            registry.unregister(name, true).whenComplete((v, e) -> {
                if (e != null) {
                    org.slf4j.LoggerFactory.getLogger(ModuleBdevs.class).error("{}: removing {} with its base: {}",
                            module, name, e.getMessage());
                }
            });
        } catch (BdevException e) {
            // already being removed (deleted at the same moment)
        }
    }

    public List<String> names() {
        return names.stream().sorted().toList();
    }

    /** Hot-removes every bdev of the module (bundle stopping). */
    public void removeAll() {
        for (String name : List.copyOf(names)) {
            try {
                await(name, registry.unregister(name, true));
            } catch (RuntimeException e) {
                org.slf4j.LoggerFactory.getLogger(ModuleBdevs.class).error("{}: {}", module, e.getMessage());
            }
            names.remove(name);
        }
    }

    private static void await(String name, java.util.concurrent.CompletableFuture<Void> f) {
        try {
            f.get(60, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new BdevException(BdevException.Reason.FAILED, "removing bdev " + name + ": " + e.getCause(), e);
        } catch (TimeoutException e) {
            throw new BdevException(BdevException.Reason.BUSY, "removing bdev " + name + " timed out");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BdevException(BdevException.Reason.FAILED, "interrupted while removing bdev " + name);
        }
    }
}
