package io.jvhost.scsi.internal;

import io.jvhost.bdev.Bdev;
import io.jvhost.bdev.BdevDescriptor;
import io.jvhost.bdev.BdevEventListener;
import io.jvhost.bdev.IoType;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A logical unit: its bdev and the state the SCSI standards keep per LU (mode parameters, a pending
 * unit attention, the SCSI-2 reservation). Shared by every channel; fields are thread-safe.
 */
final class Lun implements BdevEventListener {
    final int id;
    final Target target;
    private BdevDescriptor descriptor;
    Bdev bdev;
    /** Cached so the I/O path does not look it up per command. */
    int blockSize;
    boolean supportsUnmap;
    boolean supportsWriteZeroes;
    boolean supportsFlush;
    /** Caching mode page WCE: with it clear, every write is followed by a flush. */
    volatile boolean writeCache;
    /** Control mode page D_SENSE: descriptor-format sense data. */
    volatile boolean descriptorSense;
    /** Pending unit attention as ASC << 8 | ASCQ, 0 when none. */
    final AtomicInteger unitAttention = new AtomicInteger();
    /** Held by a COMPARE AND WRITE from its read to its write. */
    final AtomicBoolean compareAndWriteLock = new AtomicBoolean();
    volatile boolean reserved;

    Lun(int id, Target target) {
        this.id = id;
        this.target = target;
    }

    void open(BdevDescriptor d) {
        this.descriptor = d;
        this.bdev = d.bdev();
        this.blockSize = bdev.blockSize();
        this.supportsUnmap = bdev.supports(IoType.UNMAP);
        this.supportsWriteZeroes = bdev.supports(IoType.WRITE_ZEROES);
        this.supportsFlush = bdev.supports(IoType.FLUSH);
        this.writeCache = supportsFlush;
    }

    BdevDescriptor descriptor() {
        return descriptor;
    }

    long blockCount() {
        return bdev.blockCount();
    }

    @Override
    public void removed(Bdev b) {
        target.bdevRemoved(this);
    }

    @Override
    public void resized(Bdev b, long oldBlockCount, long newBlockCount) {
        unitAttention.set(Scsi.CAPACITY_DATA_CHANGED);
        target.lunResized(this);
    }
}
