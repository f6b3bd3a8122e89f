package io.jvhost.vhostnvme.internal;

import io.jvhost.bdev.Bdev;
import io.jvhost.bdev.BdevDescriptor;
import io.jvhost.bdev.IoType;

/** A namespace: its id and the bdev behind it, opened with a shared write claim. */
final class Namespace {
    final int nsid;
    final BdevDescriptor descriptor;
    final Bdev bdev;
    final int blockSize;
    final boolean flush;
    final boolean unmap;
    final boolean writeZeroes;

    Namespace(int nsid, BdevDescriptor descriptor) {
        this.nsid = nsid;
        this.descriptor = descriptor;
        this.bdev = descriptor.bdev();
        this.blockSize = bdev.blockSize();
        this.flush = bdev.supports(IoType.FLUSH);
        this.unmap = bdev.supports(IoType.UNMAP);
        this.writeZeroes = bdev.supports(IoType.WRITE_ZEROES);
    }
}
