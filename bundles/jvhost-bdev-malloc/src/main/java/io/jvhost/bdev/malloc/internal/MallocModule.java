package io.jvhost.bdev.malloc.internal;

import io.jvhost.bdev.BdevRegistry;
import io.jvhost.bdev.IoType;
import io.jvhost.bdev.spi.BdevParams;
import io.jvhost.bdev.spi.BdevSpec;
import io.jvhost.bdev.spi.ModuleBdevs;
import io.jvhost.config.BundleCommands;
import io.jvhost.config.MethodRegistrations;
import io.jvhost.config.Params;
import java.lang.management.ManagementFactory;
import java.util.EnumSet;
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
    private final BundleCommands commands;
    private final long physicalMemory;

    @Activate
    public MallocModule(BundleContext context, @Reference BdevRegistry registry) {
        this.bdevs = new ModuleBdevs(registry, "malloc", "Malloc");
        this.physicalMemory = ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getTotalMemorySize();
        this.commands = BundleCommands.register(context, "bdev", this, BundleCommands.gogo("create-malloc"),
                MethodRegistrations.method("bdev_malloc_create",
                        "Create a RAM bdev: {name?, num_blocks, block_size, uuid?, optimal_io_boundary?}", this::create),
                bdevs.deleteMethod());
    }

    @Deactivate
    void deactivate() {
        commands.close();
        bdevs.removeAll();
    }

    Object create(Params p) {
        int blockSize = BdevParams.blockSize(p, 512);
        BdevParams.checkFormat(p, blockSize);
        p.allowOnly(Set.of("name", "num_blocks", "block_size", "uuid", "optimal_io_boundary"), BdevParams.FORMAT_PARAMS);
        String name = BdevParams.name(p, bdevs);
        long blocks = BdevParams.numBlocks(p, blockSize, physicalMemory, "this machine's memory ("
                + physicalMemory / 1048576 + " MiB)");
        int boundary = (int) p.integer("optimal_io_boundary", 0, 0, Integer.MAX_VALUE);
        MallocBackend backend = new MallocBackend(blocks * blockSize, blockSize);
        return bdevs.createRecordingUuid(new BdevSpec(name, BdevParams.uuid(p), "malloc", "Malloc disk", blockSize,
                blocks, boundary, IO_TYPES, BdevParams.sizeConfig(name, blocks, blockSize)), backend);
    }

    @Descriptor("Create a malloc (RAM) bdev")
    public String createMalloc(@Descriptor("bdev name") String name, @Descriptor("size in MiB") long sizeMiB,
            @Descriptor("block size: 512 or 4096") int blockSize) {
        return (String) create(BdevParams.sizedInMiB("bdev:create-malloc", name, sizeMiB, blockSize));
    }

    @Descriptor("Create a malloc (RAM) bdev with 512-byte blocks")
    public String createMalloc(@Descriptor("bdev name") String name, @Descriptor("size in MiB") long sizeMiB) {
        return createMalloc(name, sizeMiB, 512);
    }
}
