package io.jvhost.vhostblk.internal;

import static io.jvhost.vhostblk.internal.BlkSpec.*;

import io.jvhost.bdev.IoChannel;
import io.jvhost.bdev.IoType;
import io.jvhost.memory.SgList;
import io.jvhost.reactor.Reactor;
import io.jvhost.vhostuser.DeviceQueue;
import io.jvhost.vhostuser.QueueContext;
import io.jvhost.virtio.DescriptorChain;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Serves one virtqueue of a virtio-blk device on its reactor: parses each descriptor chain into a
 * bdev request that reads the chain's own scatter-gather list in place (no copy of the list, none
 * of the data), and completes it into the used ring. Nothing here allocates per request.
 */
final class BlkQueue implements DeviceQueue {
    private final BlkDevice device;
    private final QueueContext context;
    private final Reactor reactor;
    private final BlkRequest[] requests;
    /** The bdev's block size as a mask and a shift: a power of two, so no division per request. */
    private final long blockMask;
    private final int blockShift;
    /** The bdev's I/O types by ordinal, looked up once: a set lookup per request showed in profiles. */
    private final boolean[] supported = new boolean[IoType.values().length];
    private IoChannel channel;
    private Runnable onChannelReleased;
    private int inFlight;

    BlkQueue(BlkDevice device, QueueContext context, IoChannel channel, Reactor reactor) {
        this.device = device;
        this.context = context;
        this.channel = channel;
        this.reactor = reactor;
        int blockSize = device.bdev().blockSize();
        if (Integer.bitCount(blockSize) != 1) {
            throw new IllegalArgumentException("bdev " + device.bdev().name() + " has " + blockSize
                    + "-byte blocks; vhost-blk needs a power of two");
        }
        this.blockMask = blockSize - 1;
        this.blockShift = Integer.numberOfTrailingZeros(blockSize);
        for (IoType t : device.bdev().supportedIoTypes()) {
            supported[t.ordinal()] = true;
        }
        this.requests = new BlkRequest[context.size()];
        for (int i = 0; i < requests.length; i++) {
            requests[i] = new BlkRequest(this, SEG_MAX + 8);
        }
    }

    Reactor reactor() {
        return reactor;
    }

    @Override
    public void request(DescriptorChain chain) {
        BlkRequest r = requests[chain.head()];
        if (r.busy) {
            // the driver offered a head that is still in flight: refuse it rather than corrupt the first
            context.complete(chain.head(), 0);
            return;
        }
        int last = chain.count() - 1;
        if (last < 0 || !chain.isWritable(last) || chain.readableBytes() < HEADER_BYTES) {
            // no status byte or no header: nothing can be reported, hand the buffers back untouched
            context.complete(chain.head(), 0);
            return;
        }
        r.busy = true;
        r.head = chain.head();
        r.statusSegment = chain.segment(last);
        r.statusOffset = chain.offset(last) + chain.length(last) - 1;
        r.writtenData = 0;
        inFlight++;
        int type = (int) chain.readLE(0, 4);
        long sector = chain.readLE(8, 8);
        switch (type) {
            case T_IN -> data(r, chain, IoType.READ, sector);
            case T_OUT -> data(r, chain, IoType.WRITE, sector);
            case T_FLUSH -> {
                r.io.set(IoType.FLUSH, 0, 0, r);
                submit(r, IoType.FLUSH);
            }
            case T_GET_ID -> getId(r, chain);
            case T_DISCARD -> range(r, chain, IoType.UNMAP);
            case T_WRITE_ZEROES -> range(r, chain, IoType.WRITE_ZEROES);
            default -> r.finish(S_UNSUPP);
        }
    }

    private void data(BlkRequest r, DescriptorChain chain, IoType type, long sector) {
        boolean write = type == IoType.WRITE;
        if (write && device.readOnly()) {
            r.finish(S_IOERR);
            return;
        }
        r.io.set(type, 0, 0, r);
        long bytes = takeData(r, chain, write);
        long offsetBytes = sector * SECTOR;
        if (bytes <= 0 || ((bytes | offsetBytes) & blockMask) != 0 || sector < 0 || sector > Long.MAX_VALUE / SECTOR) {
            r.finish(S_IOERR);
            return;
        }
        if (!write) {
            r.writtenData = (int) Math.min(bytes, Integer.MAX_VALUE);
        }
        r.io.setRange(offsetBytes >>> blockShift, bytes >>> blockShift);
        submit(r, type);
    }

    /**
     * Makes the request's data the chain's buffers in place: the request takes the chain's list
     * (leaving its previous one for the next chain) and narrows it to the data, without the header
     * and the status byte. A chain too long to be taken is copied into the request instead.
     * Returns the data bytes, or -1 when they do not fit the request.
     */
    private static long takeData(BlkRequest r, DescriptorChain chain, boolean write) {
        long from = write ? HEADER_BYTES : chain.readableBytes();
        long bytes = write ? chain.readableBytes() - HEADER_BYTES : chain.writableBytes() - 1;
        SgList taken = chain.takeList(r.sg);
        if (taken == null) {
            return write ? addReadable(r, chain) : addWritable(r, chain);
        }
        r.sg = taken;
        taken.narrow(from, bytes);
        r.io.useSegments(taken);
        return bytes;
    }

    /** Adds the readable buffers after the header as data; -1 when they do not fit the request. */
    private static long addReadable(BlkRequest r, DescriptorChain chain) {
        long skip = HEADER_BYTES;
        long total = 0;
        int end = chain.firstWritable();
        for (int i = 0; i < end; i++) {
            long len = chain.length(i);
            long off = chain.offset(i);
            if (skip >= len) {
                skip -= len;
                continue;
            }
            off += skip;
            len -= skip;
            skip = 0;
            if (!r.io.addSegment(chain.segment(i), off, len)) {
                return -1;
            }
            total += len;
        }
        return total;
    }

    /** Adds the writable buffers except the final status byte as data; -1 when they do not fit. */
    private static long addWritable(BlkRequest r, DescriptorChain chain) {
        long total = 0;
        int last = chain.count() - 1;
        for (int i = chain.firstWritable(); i <= last; i++) {
            long len = i == last ? chain.length(i) - 1 : chain.length(i);
            if (len == 0) {
                continue;
            }
            if (!r.io.addSegment(chain.segment(i), chain.offset(i), len)) {
                return -1;
            }
            total += len;
        }
        return total;
    }

    private void getId(BlkRequest r, DescriptorChain chain) {
        byte[] id = device.id();
        long room = chain.writableBytes() - 1;
        int n = 0;
        int last = chain.count() - 1;
        for (int i = chain.firstWritable(); i <= last && n < ID_BYTES && n < room; i++) {
            long len = i == last ? chain.length(i) - 1 : chain.length(i);
            MemorySegment seg = chain.segment(i);
            for (long k = 0; k < len && n < ID_BYTES && n < room; k++, n++) {
                seg.set(ValueLayout.JAVA_BYTE, chain.offset(i) + k, n < id.length ? id[n] : 0);
            }
        }
        r.writtenData = n;
        r.finish(S_OK);
    }

    private void range(BlkRequest r, DescriptorChain chain, IoType type) {
        if (device.readOnly()) {
            r.finish(S_IOERR);
            return;
        }
        if (chain.readableBytes() < HEADER_BYTES + RANGE_BYTES) {
            r.finish(S_IOERR);
            return;
        }
        // one range per request: we advertise max_discard_seg = max_write_zeroes_seg = 1
        long sector = chain.readLE(HEADER_BYTES, 8);
        long sectors = chain.readLE(HEADER_BYTES + 8, 4);
        long flags = chain.readLE(HEADER_BYTES + 12, 4);
        if (type == IoType.UNMAP && flags != 0 || (flags & ~RANGE_F_UNMAP) != 0 || sectors == 0
                || sectors > MAX_RANGE_SECTORS) {
            r.finish(S_UNSUPP);
            return;
        }
        long offsetBytes = sector * SECTOR;
        long bytes = sectors * SECTOR;
        if (sector < 0 || ((offsetBytes | bytes) & blockMask) != 0) {
            r.finish(S_IOERR);
            return;
        }
        r.io.set(type, offsetBytes >>> blockShift, bytes >>> blockShift, r);
        submit(r, type);
    }

    private void submit(BlkRequest r, IoType type) {
        IoChannel ch = channel;
        if (ch == null) {
            // the bdev was hot-removed and this queue let go of its channel
            r.finish(S_IOERR);
            return;
        }
        if (!supported[type.ordinal()]) {
            // a flush the bdev has no use for (RAM) still succeeds; other unsupported types are refused
            r.finish(type == IoType.FLUSH ? S_OK : S_UNSUPP);
            return;
        }
        ch.submit(r.io);
    }

    /** Called by a request once its status is written. */
    void finished(BlkRequest r, int writtenBytes) {
        inFlight--;
        context.complete(r.head, writtenBytes);
    }

    @Override
    public int doWork() {
        if (onChannelReleased != null && channel != null && channel.inFlight() == 0) {
            channel.close();
            channel = null;
            Runnable done = onChannelReleased;
            onChannelReleased = null;
            done.run();
        }
        return 0;
    }

    /** Reactor thread: close the bdev channel once its requests finished (hot-remove). */
    void releaseChannel(Runnable done) {
        if (channel == null) {
            done.run();
            return;
        }
        onChannelReleased = done;
        doWork();
    }

    @Override
    public int inFlight() {
        return inFlight;
    }

    @Override
    public void close() {
        if (channel != null) {
            channel.close();
            channel = null;
        }
        if (onChannelReleased != null) {
            onChannelReleased.run();
            onChannelReleased = null;
        }
        device.queueClosed(this);
    }
}
