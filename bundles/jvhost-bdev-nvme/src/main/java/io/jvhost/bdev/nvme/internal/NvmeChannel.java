package io.jvhost.bdev.nvme.internal;

import io.jvhost.bdev.BdevIo;
import io.jvhost.bdev.spi.BdevIoQueue;
import io.jvhost.bdev.spi.ModuleChannel;
import io.jvhost.nvme.Nvme;
import io.jvhost.nvme.driver.NvmeQueuePair;

/**
 * One namespace's channel on one reactor, over the controller's queue pair for that reactor. A
 * request larger than one command may carry (maximum transfer; Write Zeroes counts 16 bits of
 * blocks) is split into child commands, fed as the queue has room and completed when all finished.
 * <p>
 * A split request's progress lives in {@link BdevIo#moduleSlot}: bit 31 marks it split, bit 30 a
 * failed child, bits 29-15 the next child to submit and bits 14-0 the children outstanding.
 */
final class NvmeChannel implements ModuleChannel, NvmeQueuePair.Callback {
    private static final int SPLIT = 1 << 31, CHILD_FAILED = 1 << 30, NEXT_SHIFT = 15, COUNT_MASK = 0x7FFF;
    private static final long MAX_ZEROES_BLOCKS = 65536;
    private static final long MAX_DEALLOCATE_BLOCKS = 1L << 31;
    private final ControllerQueues.Lease queue;
    private final NvmeQueuePair qp;
    private final int nsid;
    private final int blockSize;
    private final long maxDataBlocks;
    private final BdevIoQueue splitting = new BdevIoQueue();
    private Completer completer;

    NvmeChannel(ControllerQueues.Lease queue, int nsid, int blockSize) {
        this.queue = queue;
        this.qp = queue.pair();
        this.nsid = nsid;
        this.blockSize = blockSize;
        this.maxDataBlocks = qp.maxTransferBytes() / blockSize;
    }

    @Override
    public void bind(Completer c) {
        this.completer = c;
    }

    private long unitBlocks(BdevIo io) {
        return switch (io.type()) {
            case READ, WRITE -> maxDataBlocks;
            case WRITE_ZEROES -> MAX_ZEROES_BLOCKS;
            case UNMAP -> MAX_DEALLOCATE_BLOCKS;
            default -> Long.MAX_VALUE;
        };
    }

    @Override
    public boolean submit(BdevIo io) {
        if (io.numBlocks() <= unitBlocks(io)) {
            io.moduleSlot = 0;
            return submitPart(io, io.offsetBlocks(), (int) Math.min(io.numBlocks(), Integer.MAX_VALUE), 0);
        }
        io.moduleSlot = SPLIT;
        splitting.add(io);
        feedSplits();
        return true;
    }

    private boolean submitPart(BdevIo io, long lba, int blocks, long dataOffset) {
        return switch (io.type()) {
            case READ -> qp.read(nsid, lba, blocks, blockSize, io.segments(), dataOffset, io, this);
            case WRITE -> qp.write(nsid, lba, blocks, blockSize, io.segments(), dataOffset, false, io, this);
            case FLUSH -> qp.flush(nsid, io, this);
            case WRITE_ZEROES -> qp.writeZeroes(nsid, lba, blocks, io, this);
            case UNMAP -> qp.deallocate(nsid, lba, blocks, io, this);
            case RESET -> throw new IllegalStateException("reset is not offered by nvme bdevs");
        };
    }

    /** Submits the next children of split requests, oldest first, while the queue pair takes them. */
    private int feedSplits() {
        int fed = 0;
        BdevIo io;
        while ((io = splitting.poll()) != null) {
            long unit = unitBlocks(io);
            long children = (io.numBlocks() + unit - 1) / unit;
            int s = io.moduleSlot;
            int next = (s >>> NEXT_SHIFT) & COUNT_MASK;
            while (next < children) {
                long first = next * unit;
                int blocks = (int) Math.min(unit, io.numBlocks() - first);
                if (!submitPart(io, io.offsetBlocks() + first, blocks, first * blockSize)) {
                    break;
                }
                next++;
                fed++;
                s = (s & ~(COUNT_MASK << NEXT_SHIFT)) | next << NEXT_SHIFT;
                s = (s & ~COUNT_MASK) | ((s & COUNT_MASK) + 1);
                io.moduleSlot = s;
            }
            if (next < children) {
                splitting.addFirst(io); // the queue is full: go on after completions
                break;
            }
        }
        return fed;
    }

    @Override
    public void completed(Object request, int nvmeStatus) {
        BdevIo io = (BdevIo) request;
        int s = io.moduleSlot;
        if ((s & SPLIT) == 0) {
            completer.complete(io, status(nvmeStatus));
            return;
        }
        if (nvmeStatus != Nvme.SUCCESS) {
            s |= CHILD_FAILED;
        }
        s = (s & ~COUNT_MASK) | ((s & COUNT_MASK) - 1);
        io.moduleSlot = s;
        long unit = unitBlocks(io);
        long children = (io.numBlocks() + unit - 1) / unit;
        if ((s & COUNT_MASK) == 0 && ((s >>> NEXT_SHIFT) & COUNT_MASK) == children) {
            completer.complete(io, (s & CHILD_FAILED) != 0 ? BdevIo.FAILED : BdevIo.SUCCESS);
        }
    }

    /**
     * NVMe status to the bdev layer's: the ones with a bdev meaning become it; any other failure keeps the
     * device's status code type and code, so an NVMe front-end gives the guest what the device said.
     */
    static int status(int nvmeStatus) {
        return switch (nvmeStatus) {
            case Nvme.SUCCESS -> BdevIo.SUCCESS;
            case Nvme.COMPARE_FAILURE -> BdevIo.MISCOMPARE;
            case Nvme.LBA_OUT_OF_RANGE, Nvme.INVALID_FIELD, Nvme.INVALID_NAMESPACE -> BdevIo.INVALID;
            case Nvme.ABORTED_BY_REQUEST, Nvme.ABORTED_SQ_DELETION -> BdevIo.ABORTED;
            default -> BdevIo.nvmeError((nvmeStatus >> 8) & 7, nvmeStatus & 0xFF);
        };
    }

    @Override
    public int doWork() {
        int work = queue.poll();
        if (!splitting.isEmpty()) {
            work += feedSplits();
        }
        return work;
    }

    /** Completions arrive only by polling: the reactor may sleep only with nothing outstanding. */
    @Override
    public boolean prepareToSleep() {
        return qp.outstanding() == 0 && splitting.isEmpty();
    }

    @Override
    public void close() {
        queue.release();
    }
}
