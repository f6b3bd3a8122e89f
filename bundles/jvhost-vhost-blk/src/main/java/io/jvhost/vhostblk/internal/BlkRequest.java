package io.jvhost.vhostblk.internal;

import io.jvhost.bdev.BdevIo;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * One in-flight virtio-blk request, preallocated per descriptor head: the bdev request, where the
 * status byte goes, and how many bytes the device wrote. Completes itself into the used ring.
 */
final class BlkRequest implements BdevIo.Completion {
    final BdevIo io;
    private final BlkQueue queue;
    int head;
    MemorySegment statusSegment;
    long statusOffset;
    int writtenData;
    boolean busy;

    BlkRequest(BlkQueue queue, int maxSegments) {
        this.queue = queue;
        this.io = new BdevIo(maxSegments);
        io.context = this;
    }

    /** Writes the status byte and returns the request to the driver. */
    void finish(byte status) {
        statusSegment.set(ValueLayout.JAVA_BYTE, statusOffset, status);
        statusSegment = null;
        io.clearSegments();
        busy = false;
        queue.finished(this, status == BlkSpec.S_OK ? writtenData + 1 : 1);
    }

    @Override
    public void ioCompleted(BdevIo completed, int status) {
        finish(switch (status) {
            case BdevIo.SUCCESS -> BlkSpec.S_OK;
            case BdevIo.UNSUPPORTED -> BlkSpec.S_UNSUPP;
            default -> BlkSpec.S_IOERR;
        });
    }
}
