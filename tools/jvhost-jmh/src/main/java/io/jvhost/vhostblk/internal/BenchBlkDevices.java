package io.jvhost.vhostblk.internal;

import io.jvhost.bdev.BdevRegistry;
import io.jvhost.vhostuser.VhostUserDevice;

/** The vhost-blk device emulation over a bdev, as a controller creates it, for benchmarks. */
public final class BenchBlkDevices {
    private BenchBlkDevices() {
    }

    /** A writable virtio-blk device with one queue and split rings over bdev {@code bdevName}. */
    public static VhostUserDevice open(String controller, BdevRegistry registry, String bdevName) {
        return new BlkDevice(controller, registry, bdevName, false, 1, false);
    }
}
