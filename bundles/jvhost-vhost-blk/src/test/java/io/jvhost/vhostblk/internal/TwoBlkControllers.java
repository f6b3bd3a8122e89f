package io.jvhost.vhostblk.internal;

import io.jvhost.bdev.IoType;
import io.jvhost.bdev.core.internal.BdevRegistryImpl;
import io.jvhost.bdev.malloc.internal.MallocBackend;
import io.jvhost.bdev.spi.BdevSpec;
import io.jvhost.config.Params;
import io.jvhost.frontend.VhostUserBlkDisk;
import io.jvhost.reactor.CpuMask;
import io.jvhost.reactor.Reactors;
import io.jvhost.vhostuser.internal.ControllerRegistry;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Map;

/**
 * Two tenants on one reactor, for isolation tests: RAM disks Malloc0 and Malloc1 exported as
 * vhost-blk controllers vhost.0 and vhost.1, both served by reactor {@code <name>-reactor-0}.
 */
final class TwoBlkControllers implements AutoCloseable {
    static final int BLOCK = 512;
    static final long BLOCKS = 8192;
    final Reactors.ClosableReactorGroup reactors;
    final BdevRegistryImpl registry = new BdevRegistryImpl();
    final ControllerRegistry controllers;
    private final Path dir;
    private final String name;

    TwoBlkControllers(String name, Path dir) {
        this.dir = dir;
        this.name = name;
        reactors = Reactors.start(name, CpuMask.of(0), "interrupt");
        controllers = new ControllerRegistry(reactors, dir);
        BlkControllers blk = new BlkControllers(null, controllers, registry);
        for (int i = 0; i < 2; i++) {
            registry.register(new BdevSpec("Malloc" + i, null, "malloc", "Malloc disk", BLOCK, BLOCKS, 0,
                    EnumSet.allOf(IoType.class), Map.of()), new MallocBackend(BLOCK * BLOCKS, BLOCK));
            blk.create(new Params("vhost_create_blk_controller", Map.of("ctrlr", "vhost." + i, "dev_name",
                    "Malloc" + i)));
        }
    }

    /** A front-end on controller vhost.{@code i}. */
    VhostUserBlkDisk connect(int i) throws Exception {
        return VhostUserBlkDisk.connect(dir.resolve("vhost." + i), VhostUserBlkDisk.Options.defaults());
    }

    /** CPU time the shared reactor's thread has used so far. */
    long reactorCpuNanos() {
        String thread = name + "-reactor-0";
        var threads = java.lang.management.ManagementFactory.getThreadMXBean();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().equals(thread)) {
                return threads.getThreadCpuTime(t.threadId());
            }
        }
        throw new AssertionError("no reactor thread " + thread);
    }

    @Override
    public void close() {
        controllers.closeAll();
        reactors.close();
    }
}
