package io.jvhost.bdev.aio.internal;

import io.jvhost.bdev.BdevException;
import io.jvhost.bdev.BdevRegistry;
import io.jvhost.bdev.IoType;
import io.jvhost.bdev.spi.BdevParams;
import io.jvhost.bdev.spi.BdevSpec;
import io.jvhost.bdev.spi.ModuleBdevs;
import io.jvhost.config.BundleCommands;
import io.jvhost.config.MethodException;
import io.jvhost.config.MethodRegistrations;
import io.jvhost.config.Params;
import java.io.IOException;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.felix.service.command.Descriptor;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The aio module: files and block devices through io_uring ({@code bdev_aio_create}). */
@Component(service = AioModule.class, immediate = true)
public final class AioModule {
    private static final Logger LOG = LoggerFactory.getLogger(AioModule.class);
    private final BdevRegistry registry;
    private final ModuleBdevs bdevs;
    private final BundleCommands commands;
    private final Map<String, AioFile> files = new ConcurrentHashMap<>();
    private final Map<String, AioBackend> backends = new ConcurrentHashMap<>();

    @Activate
    public AioModule(BundleContext context, @Reference BdevRegistry registry) {
        this.registry = registry;
        this.bdevs = new ModuleBdevs(registry, "aio", "AIO");
        this.commands = BundleCommands.register(context, "bdev", this, BundleCommands.gogo("create-aio"),
                MethodRegistrations.method("bdev_aio_create",
                        "Create a bdev on a file or block device: {name, filename, block_size?, readonly?}", this::create),
                bdevs.deleteMethod(),
                MethodRegistrations.method("bdev_aio_rescan", "Re-read an aio bdev's size: {name}", this::rescan));
    }

    @Deactivate
    void deactivate() {
        commands.close();
        bdevs.removeAll();
    }

    Object create(Params p) {
        p.allowOnly(Set.of("name", "filename", "block_size", "readonly", "fallocate", "uuid"));
        String name = p.string("name");
        String filename = p.string("filename");
        boolean readOnly = p.bool("readonly", false);
        if (registry.find(name).isPresent()) {
            throw MethodException.exists("bdev " + name + " already exists; choose another name");
        }
        AioFile file;
        try {
            file = AioFile.open(filename, readOnly);
        } catch (IOException e) {
            throw MethodException.invalidParams("bdev_aio_create " + name + ": " + e.getMessage());
        }
        try {
            int blockSize = p.has("block_size") ? BdevParams.blockSize(p, 512) : Math.max(512, file.deviceBlockSize);
            if (blockSize < file.deviceBlockSize) {
                throw MethodException.invalidParams("bdev_aio_create " + name + ": block_size " + blockSize
                        + " is smaller than " + filename + "'s logical block size " + file.deviceBlockSize);
            }
            long blocks = file.size() / blockSize;
            if (blocks < 1) {
                throw MethodException.invalidParams("bdev_aio_create " + name + ": " + filename
                        + " is smaller than one " + blockSize + "-byte block");
            }
            Set<IoType> types = readOnly ? EnumSet.of(IoType.READ, IoType.RESET)
                    : EnumSet.of(IoType.READ, IoType.WRITE, IoType.FLUSH, IoType.UNMAP, IoType.WRITE_ZEROES, IoType.RESET);
            Map<String, Object> config = new LinkedHashMap<>();
            config.put("name", name);
            config.put("filename", filename);
            config.put("block_size", blockSize);
            config.put("readonly", readOnly);
            files.put(name, file);
            AioBackend backend = new AioBackend(file, blockSize, blocks * blockSize, p.has("block_size"), () -> {
                if (files.remove(name, file)) {
                    backends.remove(name);
                }
            });
            backends.put(name, backend);
            bdevs.createRecordingUuid(new BdevSpec(name, BdevParams.uuid(p), "aio", "AIO disk", blockSize, blocks, 0,
                    types, config), backend);
            LOG.info("aio bdev {} on {} ({} I/O)", name, filename, file.memoryBacked ? "memory-mapped"
                    : file.direct ? "direct" : "buffered");
            return name;
        } catch (RuntimeException e) {
            files.remove(name, file);
            backends.remove(name);
            file.fd.close();
            throw e;
        }
    }

    Object rescan(Params p) {
        p.allowOnly(Set.of("name"));
        String name = p.string("name");
        AioFile f = files.get(name);
        if (f == null) {
            throw new BdevException(BdevException.Reason.NOT_FOUND, "no aio bdev named " + name);
        }
        var bdev = registry.find(name).orElseThrow();
        long blocks = f.size() / bdev.blockSize();
        AioBackend backend = backends.get(name);
        if (backend != null && blocks * bdev.blockSize() > backend.mappedBytes()) {
            throw MethodException.invalidParams("bdev_aio_rescan " + name + ": " + f.path() + " is on tmpfs and mapped at "
                    + backend.mappedBytes() + " bytes; it cannot grow while the bdev exists (delete and create it again)");
        }
        if (blocks != bdev.blockCount()) {
            registry.resize(name, blocks);
        }
        return true;
    }

    @Descriptor("Create an aio bdev on a file or block device")
    public String createAio(@Descriptor("bdev name") String name, @Descriptor("file or block device") String filename,
            @Descriptor("block size: 512 or 4096") int blockSize) {
        return (String) create(new Params("bdev:create-aio", Map.of("name", name, "filename", filename, "block_size",
                (long) blockSize)));
    }

    @Descriptor("Create an aio bdev on a file or block device, block size detected")
    public String createAio(@Descriptor("bdev name") String name, @Descriptor("file or block device") String filename) {
        return (String) create(new Params("bdev:create-aio", Map.of("name", name, "filename", filename)));
    }
}
