package io.jvhost.vhostblk.internal;

import io.jvhost.bdev.BdevIo;
import io.jvhost.memory.SgList;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * One in-flight virtio-blk request, preallocated per descriptor head: the bdev request, where the
 * status byte goes, and how many bytes the device wrote. Completes itself into the used ring.
 * {@link #sg} is the list its data is read in place from: taken over from the descriptor chain,
 * which keeps this request's previous list for the next chain.
 */
final class BlkRequest implements BdevIo.Completion {
    final BdevIo io;
    SgList sg;
    private final BlkQueue queue;
    int head;
    MemorySegment statusSegment;
    long statusOffset;
    int writtenData;
    boolean busy;

    BlkRequest(BlkQueue queue, int maxSegments) {
        this.queue = queue;
        this.io = new BdevIo(maxSegments);
        this.sg = new SgList(maxSegments);
        io.context = this;
    }

    /** Writes the status byte and returns the request to the driver. */
    void finish(byte status) {
        statusSegment.set(ValueLayout.JAVA_BYTE, statusOffset, status);
        statusSegment = null;
        io.clearSegments();
        sg.clear(); // no guest segment outlives the request
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
