package io.jvhost.bdev.nullmod.internal;

import io.jvhost.bdev.BdevIo;
import io.jvhost.bdev.BdevRegistry;
import io.jvhost.bdev.IoType;
import io.jvhost.bdev.spi.BdevBackend;
import io.jvhost.bdev.spi.BdevParams;
import io.jvhost.bdev.spi.BdevSpec;
import io.jvhost.bdev.spi.DeferredCompletionChannel;
import io.jvhost.bdev.spi.ModuleBdevs;
import io.jvhost.bdev.spi.ModuleChannel;
import io.jvhost.config.BundleCommands;
import io.jvhost.config.MethodRegistrations;
import io.jvhost.config.Params;
import io.jvhost.reactor.Reactor;
import java.util.EnumSet;
import java.util.Set;
import org.apache.felix.service.command.Descriptor;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;

/**
 * The null module: every request succeeds without touching data, as SPDK's null bdev does (reads leave
 * the buffer as it was, writes are dropped). For measuring everything but storage. {@code read_zeroes}
 * (as qemu-storage-daemon's null-co has it) makes reads fill their buffers with zeroes instead, for
 * tests that want the same data on every read.
 */
@Component(service = NullModule.class, immediate = true)
public final class NullModule {
    private static final Set<IoType> IO_TYPES = EnumSet.of(IoType.READ, IoType.WRITE, IoType.FLUSH, IoType.UNMAP,
            IoType.WRITE_ZEROES, IoType.RESET);
    /** 2^60 bytes: larger sizes would overflow byte offsets in guests. */
    private static final long MAX_BYTES = 1L << 60;
    private final ModuleBdevs bdevs;
    private final BdevRegistry registry;
    private final BundleCommands commands;

    @Activate
    public NullModule(BundleContext context, @Reference BdevRegistry registry) {
        this.registry = registry;
        this.bdevs = new ModuleBdevs(registry, "null", "Null");
        this.commands = BundleCommands.register(context, "bdev", this, BundleCommands.gogo("create-null"),
                MethodRegistrations.method("bdev_null_create",
                        "Create a null bdev: {name, num_blocks, block_size, uuid?, read_zeroes? (default false: reads"
                                + " leave the buffer untouched)}", this::create),
                bdevs.deleteMethod(),
                MethodRegistrations.method("bdev_null_resize", "Resize a null bdev: {name, new_size (MiB)}",
                        this::resize));
    }

    /** The module without its methods and commands registered, for tests. */
    NullModule(BdevRegistry registry) {
        this.registry = registry;
        this.bdevs = new ModuleBdevs(registry, "null", "Null");
        this.commands = null;
    }

    @Deactivate
    void deactivate() {
        if (commands != null) {
            commands.close();
        }
        bdevs.removeAll();
    }

    /** With {@code read_zeroes}: reads zero their buffers; everything else succeeds without touching memory. */
    static int executeReadingZeroes(BdevIo io) {
        if (io.type() == IoType.READ) {
            for (int i = 0; i < io.segmentCount(); i++) {
                io.segment(i).asSlice(io.segmentOffset(i), io.segmentLength(i)).fill((byte) 0);
            }
        }
        return BdevIo.SUCCESS;
    }

    Object create(Params p) {
        int blockSize = BdevParams.blockSize(p, 512);
        BdevParams.checkFormat(p, blockSize);
        p.allowOnly(Set.of("name", "num_blocks", "block_size", "uuid", "read_zeroes"), BdevParams.FORMAT_PARAMS);
        String name = p.string("name");
        boolean readZeroes = p.bool("read_zeroes", false);
        long blocks = BdevParams.numBlocks(p, blockSize, MAX_BYTES, "the 2^60-byte limit");
        BdevBackend backend = new BdevBackend() {
            @Override
            public ModuleChannel createChannel(Reactor reactor) {
                if (readZeroes) {
                    return new DeferredCompletionChannel() {
                        @Override
                        protected int execute(BdevIo io) {
                            return executeReadingZeroes(io);
                        }
                    };
                }
                return new DeferredCompletionChannel() {
                    @Override
                    protected int execute(BdevIo io) {
                        return BdevIo.SUCCESS;
                    }
                };
            }

            @Override
            public void destroy() {
            }

            @Override
            public String createMethod() {
                return "bdev_null_create";
            }
        };
        var config = BdevParams.sizeConfig(name, blocks, blockSize);
        if (readZeroes) {
            config.put("read_zeroes", true);
        }
        return bdevs.createRecordingUuid(new BdevSpec(name, BdevParams.uuid(p), "null", "Null disk", blockSize, blocks,
                0, IO_TYPES, config), backend);
    }

    Object resize(Params p) {
        p.allowOnly(Set.of("name", "new_size"));
        String name = p.string("name");
        if (!bdevs.names().contains(name)) {
            throw new io.jvhost.bdev.BdevException(io.jvhost.bdev.BdevException.Reason.NOT_FOUND, "no null bdev named " + name);
        }
        long mib = p.integer("new_size", 0, 1, MAX_BYTES >> 20);
        var bdev = registry.find(name).orElseThrow();
        registry.resize(name, mib * 1048576 / bdev.blockSize());
        return true;
    }

    @Descriptor("Create a null bdev (requests succeed without touching data; bdev_null_create read_zeroes=true zeroes reads)")
    public String createNull(@Descriptor("bdev name") String name, @Descriptor("size in MiB") long sizeMiB,
            @Descriptor("block size: 512 or 4096") int blockSize) {
        return (String) create(BdevParams.sizedInMiB("bdev:create-null", name, sizeMiB, blockSize));
    }

    @Descriptor("Create a null bdev with 512-byte blocks")
    public String createNull(@Descriptor("bdev name") String name, @Descriptor("size in MiB") long sizeMiB) {
        return createNull(name, sizeMiB, 512);
    }
}
