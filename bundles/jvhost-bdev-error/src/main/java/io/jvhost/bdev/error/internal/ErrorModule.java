package io.jvhost.bdev.error.internal;

import io.jvhost.bdev.Bdev;
import io.jvhost.bdev.BdevException;
import io.jvhost.bdev.BdevIo;
import io.jvhost.bdev.BdevRegistry;
import io.jvhost.bdev.IoType;
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
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.felix.service.command.Descriptor;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The error module (SPDK's {@code bdev_error_create} / {@code bdev_error_inject_error}): a virtual bdev
 * {@code EE_<base>} over a base that passes I/O through until an injection tells it to fail, hold,
 * corrupt or refuse the next {@code num} requests of a type, for testing how guests handle I/O errors.
 */
@Component(service = ErrorModule.class, immediate = true)
public final class ErrorModule {
    private static final Logger LOG = LoggerFactory.getLogger(ErrorModule.class);
    /** SPDK's io_type names for injections; "all" and "clear" are handled apart. */
    private static final Map<String, Set<IoType>> IO_TYPES = Map.of(
            "read", EnumSet.of(IoType.READ), "write", EnumSet.of(IoType.WRITE), "unmap", EnumSet.of(IoType.UNMAP),
            "flush", EnumSet.of(IoType.FLUSH), "write_zeroes", EnumSet.of(IoType.WRITE_ZEROES),
            "reset", EnumSet.of(IoType.RESET), "all", EnumSet.allOf(IoType.class), "clear", EnumSet.allOf(IoType.class));
    private final BdevRegistry registry;
    private final ModuleBdevs bdevs;
    private final Map<String, ErrorInjection> injections = new ConcurrentHashMap<>();
    private BundleCommands commands;

    @Activate
    public ErrorModule(BundleContext context, @Reference BdevRegistry registry) {
        this(registry);
        this.commands = BundleCommands.register(context, "bdev", this, BundleCommands.gogo("create-error", "inject-error"),
                MethodRegistrations.method("bdev_error_create",
                        "Create an error bdev EE_<base_name> over a base: {base_name, uuid?}", this::create),
                bdevs.deleteMethod(),
                MethodRegistrations.method("bdev_error_inject_error", "Inject errors into an error bdev: {name,"
                        + " io_type (read|write|unmap|flush|write_zeroes|reset|all|clear), error_type"
                        + " (failure|pending|corrupt_data|nomem), num?, corrupt_offset?, corrupt_value?, queue_depth?, sct?, sc?}",
                this::inject));
    }

    /** The module without its methods and commands registered, for tests (also other bundles' tests). */
    public ErrorModule(BdevRegistry registry) {
        this.registry = registry;
        this.bdevs = new ModuleBdevs(registry, "error", "EE_");
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

    /** {@code bdev_error_create}. */
    public Object create(Params p) {
        p.allowOnly(Set.of("base_name", "uuid"));
        String base = p.string("base_name");
        String name = "EE_" + base;
        BaseClaim claim = BaseClaim.claim(registry, base, "error " + name, () -> bdevs.removeLater(name),
                blocks -> registry.resize(name, blocks));
        Bdev b = claim.bdev();
        ErrorInjection injection = new ErrorInjection();
        AtomicReference<Bdev> self = new AtomicReference<>();
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("base_name", base);
        BdevBackend backend = new BdevBackend() {
            @Override
            public ModuleChannel createChannel(Reactor reactor) {
                return new ErrorChannel(claim.descriptor().channel(reactor), injection, self::get);
            }

            @Override
            public void destroy() {
                injections.remove(name, injection);
                claim.close();
            }

            @Override
            public String createMethod() {
                return "bdev_error_create";
            }
        };
        injections.put(name, injection);
        // every type, so resets reach the channel (they release held requests) even over a base without them
        Set<IoType> types = EnumSet.copyOf(b.supportedIoTypes());
        types.add(IoType.RESET);
        try {
            String created = bdevs.createRecordingUuid(new BdevSpec(name, BdevParams.uuid(p), "error", "Error Disk",
                    b.blockSize(), b.blockCount(), b.optimalIoBoundary(), types, config), backend);
            self.set(registry.find(created).orElseThrow());
            return created;
        } catch (RuntimeException e) {
            injections.remove(name, injection);
            throw e;
        }
    }

    /** {@code bdev_error_inject_error}. */
    public Object inject(Params p) {
        p.allowOnly(Set.of("name", "io_type", "error_type", "num", "corrupt_offset", "corrupt_value", "queue_depth",
                "sct", "sc"));
        String name = p.string("name");
        ErrorInjection injection = injections.get(name);
        if (injection == null) {
            throw new BdevException(BdevException.Reason.NOT_FOUND, "no error bdev named " + name + "; error bdevs: "
                    + List.copyOf(injections.keySet()));
        }
        String ioType = p.string("io_type");
        Set<IoType> types = IO_TYPES.get(ioType);
        if (types == null) {
            throw new IllegalArgumentException("io_type '" + ioType + "' is not one of " + IO_TYPES.keySet());
        }
        boolean clear = ioType.equals("clear");
        ErrorInjection.Kind kind = clear ? ErrorInjection.Kind.NONE : ErrorInjection.Kind.parse(p.string("error_type"));
        int num = (int) p.integer("num", 1, 0, Integer.MAX_VALUE);
        long offset = p.integer("corrupt_offset", 0, 0, Long.MAX_VALUE);
        int value = (int) p.integer("corrupt_value", 0, 0, 255);
        if (kind == ErrorInjection.Kind.CORRUPT_DATA && value == 0) {
            throw new IllegalArgumentException("corrupt_data needs a corrupt_value of 1 to 255 (XORed into the byte"
                    + " at corrupt_offset)");
        }
        int depth = (int) p.integer("queue_depth", 0, 0, Integer.MAX_VALUE);
        int status = BdevIo.FAILED;
        if (p.has("sct") || p.has("sc")) {
            if (kind != ErrorInjection.Kind.FAILURE) {
                throw new IllegalArgumentException("sct and sc (an NVMe status) go with error_type failure, not "
                        + p.string("error_type"));
            }
            status = BdevIo.nvmeError((int) p.integer("sct", 0, 0, 7), (int) p.integer("sc", 0, 0, 255));
        }
        for (IoType t : types) {
            injection.set(t, kind, num, offset, value, depth, status);
        }
        LOG.info("error bdev {}: {} {} ({}) for the next {} {} requests{}", name, clear ? "cleared" : "injecting",
                kind, BdevIo.statusName(status), num, ioType,
                depth > 0 ? " that find " + depth + " or more at the base" : "");
        return true;
    }

    @Descriptor("Create an error bdev EE_BASE over a base bdev, for fault injection")
    public String createError(@Descriptor("base bdev") String base) {
        return (String) create(new Params("bdev:create-error", Map.of("base_name", base)));
    }

    @Descriptor("Inject errors into the next requests of an error bdev")
    public boolean injectError(@Descriptor("error bdev (EE_BASE)") String name,
            @Descriptor("read, write, unmap, flush, write_zeroes, reset, all or clear") String ioType,
            @Descriptor("failure, pending, corrupt_data or nomem") String errorType,
            @Descriptor("how many requests") long num) {
        return (Boolean) inject(new Params("bdev:inject-error", Map.of("name", name, "io_type", ioType,
                "error_type", errorType, "num", num)));
    }
}
