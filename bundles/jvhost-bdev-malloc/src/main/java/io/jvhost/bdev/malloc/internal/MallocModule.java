package io.jvhost.bdev.malloc.internal;

import io.jvhost.bdev.BdevRegistry;
import io.jvhost.bdev.IoType;
import io.jvhost.bdev.spi.BdevParams;
import io.jvhost.bdev.spi.BdevSpec;
import io.jvhost.bdev.spi.ModuleBdevs;
import io.jvhost.config.MethodRegistrations;
import io.jvhost.config.Params;
import java.lang.management.ManagementFactory;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.apache.felix.service.command.Descriptor;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;

/** The malloc module: SPDK's {@code bdev_malloc_create/delete} and {@code bdev:create-malloc}. */
@Component(service = MallocModule.class, immediate = true)
public final class MallocModule {
    static final Set<IoType> IO_TYPES = EnumSet.of(IoType.READ, IoType.WRITE, IoType.FLUSH, IoType.UNMAP,
            IoType.WRITE_ZEROES, IoType.RESET);
    private final ModuleBdevs bdevs;
    private final MethodRegistrations methods;
    private final io.jvhost.config.GogoCommands commands;
    private final long physicalMemory;

    @Activate
    public MallocModule(BundleContext context, @Reference BdevRegistry registry) {
        this.bdevs = new ModuleBdevs(registry, "malloc", "Malloc");
        this.physicalMemory = ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getTotalMemorySize();
        this.methods = MethodRegistrations.register(context,
                MethodRegistrations.method("bdev_malloc_create",
                        "Create a RAM bdev: {name?, num_blocks, block_size, uuid?, optimal_io_boundary?}", this::create),
                MethodRegistrations.method("bdev_malloc_delete", "Delete a malloc bdev: {name}", this::delete));
        this.commands = io.jvhost.config.GogoCommands.register(context, "bdev", this, "create-malloc");
    }

    @Deactivate
    void deactivate() {
        commands.close();
        methods.close();
        bdevs.removeAll();
    }

    Object create(Params p) {
        p.allowOnly(Set.of("name", "num_blocks", "block_size", "uuid", "optimal_io_boundary"));
        String name = BdevParams.name(p, bdevs);
        int blockSize = BdevParams.blockSize(p, 512);
        long blocks = BdevParams.numBlocks(p, blockSize, physicalMemory, "this machine's memory ("
                + physicalMemory / 1048576 + " MiB)");
        int boundary = (int) p.integer("optimal_io_boundary", 0, 0, Integer.MAX_VALUE);
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("name", name);
        config.put("num_blocks", blocks);
        config.put("block_size", blockSize);
        MallocBackend backend = new MallocBackend(blocks * blockSize, blockSize);
        var bdev = bdevs.create(new BdevSpec(name, BdevParams.uuid(p), "malloc", "Malloc disk", blockSize, blocks,
                boundary, IO_TYPES, config), backend);
        config.put("uuid", bdev.uuid().toString());
        return name;
    }

    Object delete(Params p) {
        p.allowOnly(Set.of("name"));
        bdevs.delete(p.string("name"));
        return true;
    }

    @Descriptor("Create a malloc (RAM) bdev")
    public String createMalloc(@Descriptor("bdev name") String name, @Descriptor("size in MiB") long sizeMiB,
            @Descriptor("block size: 512 or 4096") int blockSize) {
        return (String) create(new Params("bdev:create-malloc", Map.of("name", name, "block_size", (long) blockSize,
                "num_blocks", sizeMiB * 1048576 / blockSize)));
    }

    @Descriptor("Create a malloc (RAM) bdev with 512-byte blocks")
    public String createMalloc(@Descriptor("bdev name") String name, @Descriptor("size in MiB") long sizeMiB) {
        return createMalloc(name, sizeMiB, 512);
    }
}
