package io.jvhost.nvme.driver.internal;

import io.jvhost.memory.SgList;
import io.jvhost.nvme.Nvme;
import io.jvhost.nvme.Sqe;
import io.jvhost.nvme.driver.NvmeDriverException;
import io.jvhost.nvme.driver.NvmeQueuePair;

/**
 * One I/O queue pair, owned by the thread that created it: commands built into their id's slot
 * ({@link CommandSlots}) with their data pages ({@link CommandData}), placed on the rings
 * ({@link QueueRings}), and finished by polling the completion ring's phase bit (no interrupts);
 * {@link InFlightCommands} ends each one, or places it again after a controller reset.
 * <p>
 * A controller reset or detach runs on another thread; it talks to the owner through the
 * {@link OwnerHandshake} and waits until the owner acknowledged, so the queues are never touched by
 * two threads.
 */
final class PcieQueuePair implements NvmeQueuePair {
    private static final int PAGE = DmaBuffer.PAGE;
    private static final int TIMEOUT_CHECK_PERIOD = 1024;

    private final PcieController controller;
    private final int qid;
    private final int entries;
    private final DmaMemory dma;
    private final int maxTransfer;
    private final long timeoutNanos;
    private QueueRings rings;
    private CommandData data;
    private final CommandSlots slots;
    private final InFlightCommands inFlight;
    /** Data commands sent from the caller's (registered) memory and through bounce pages; written by the owner only. */
    private long directCommands, copiedCommands;
    private long polls;
    private final OwnerHandshake handshake;

    PcieQueuePair(PcieController controller, int qid, int entries, DmaMemory dma, ControllerRegisters registers,
            DoorbellBuffer doorbells, int maxTransfer, long timeoutNanos) {
        this.controller = controller;
        this.qid = qid;
        this.entries = entries;
        this.dma = dma;
        this.maxTransfer = maxTransfer;
        this.timeoutNanos = timeoutNanos;
        int ids = entries - 1; // a full queue has one empty entry
        this.rings = new QueueRings(qid, entries, dma, registers, doorbells);
        try {
            data = new CommandData(controller.registeredMemory(), dma, ids, maxTransfer / PAGE);
        } catch (RuntimeException e) {
            releaseMemory();
            throw e;
        }
        this.slots = new CommandSlots(ids);
        this.inFlight = new InFlightCommands(slots, data);
        this.handshake = new OwnerHandshake(qid);
    }

    int id() {
        return qid;
    }

    int entries() {
        return entries;
    }

    long submissionQueueIova() {
        return rings.submissionIova();
    }

    long completionQueueIova() {
        return rings.completionIova();
    }

    @Override
    public int maxTransferBytes() {
        return maxTransfer;
    }

    @Override
    public int outstanding() {
        return inFlight.outstanding();
    }

    @Override
    public boolean read(int nsid, long lba, int blocks, int blockSize, SgList sg, long offset, Object request,
            Callback callback) {
        return submit(Nvme.IO_READ, nsid, lba, blocks - 1, sg, offset, blocks * blockSize, true, request, callback);
    }

    @Override
    public boolean write(int nsid, long lba, int blocks, int blockSize, SgList sg, long offset, boolean fua,
            Object request, Callback callback) {
        return submit(Nvme.IO_WRITE, nsid, lba, (blocks - 1) | (fua ? 1 << 30 : 0), sg, offset, blocks * blockSize,
                false, request, callback);
    }

    @Override
    public boolean flush(int nsid, Object request, Callback callback) {
        return submit(Nvme.IO_FLUSH, nsid, 0, 0, null, 0, 0, false, request, callback);
    }

    @Override
    public boolean writeZeroes(int nsid, long lba, int blocks, Object request, Callback callback) {
        return submit(Nvme.IO_WRITE_ZEROES, nsid, lba, blocks - 1, null, 0, 0, false, request, callback);
    }

    @Override
    public boolean deallocate(int nsid, long lba, int blocks, Object request, Callback callback) {
        return submit(Nvme.IO_DATASET_MANAGEMENT, nsid, lba, blocks, null, 0, -1, false, request, callback);
    }

    /**
     * Builds the command in its id's slot and places it on the queue. {@code bytes} is the data
     * length; -1 marks Dataset Management, whose one range entry goes into a bounce page.
     */
    private boolean submit(int opcode, int nsid, long lba, int cdw12, SgList sg, long offset, int bytes, boolean read,
            Object request, Callback callback) {
        int s = handshake.state();
        if (s != OwnerHandshake.RUNNING) {
            if (s == OwnerHandshake.FAILED || s == OwnerHandshake.FAIL_REQUESTED) {
                inFlight.failLater(request, callback);
                return true;
            }
            return false; // suspended for a reset: the caller retries later
        }
        if (bytes > maxTransfer) {
            throw new IllegalArgumentException("nvme queue " + qid + ": " + bytes + "-byte command exceeds the "
                    + maxTransfer + "-byte maximum transfer; split it");
        }
        // data in registered memory goes straight to the device; anything else through bounce pages
        int direct = bytes > 0 ? data.directEntries(sg, offset, bytes) : 0;
        int need = direct > 0 || bytes == 0 ? 0 : bytes < 0 ? 1 : (bytes + PAGE - 1) / PAGE;
        if (!slots.hasFree() || !data.hasPages(need)) {
            return false;
        }
        int cid = slots.take();
        data.takePages(cid, need);
        long prp1 = 0, prp2 = 0;
        int cdw10 = (int) lba, cdw11 = (int) (lba >>> 32);
        if (bytes < 0) {
            // one DSM range (its length is cdw12 here); attribute deallocate (AD)
            prp1 = data.deallocateRange(cid, cdw12, lba);
            cdw10 = 0;
            cdw11 = 1 << 2;
            cdw12 = 0;
        } else if (bytes > 0) {
            int count = direct;
            if (direct > 0) {
                directCommands++;
            } else {
                copiedCommands++;
                if (!read && !data.copy(sg, offset, bytes, cid, true)) {
                    inFlight.release(cid);
                    inFlight.failLater(request, callback);
                    return true;
                }
                count = data.bounceEntries(cid);
            }
            prp1 = data.prp1();
            prp2 = data.prp2(cid, count);
        }
        Sqe.write(slots.entries, CommandSlots.entryOffset(cid), opcode, cid, nsid, prp1, prp2, cdw10, cdw11, cdw12);
        slots.record(cid, request, callback, sg, offset, Math.max(bytes, 0), read, direct == 0, System.nanoTime());
        inFlight.placed();
        rings.place(slots.entries, CommandSlots.entryOffset(cid));
        rings.ringSubmission();
        return true;
    }

    @Override
    public int poll() {
        int s = handshake.state();
        if (s != OwnerHandshake.RUNNING) {
            return changeState(s);
        }
        int done = 0;
        long next;
        while ((next = rings.nextCompletion()) >= 0) {
            done++;
            inFlight.completed((int) (next >>> 16), (int) next & 0xFFFF);
        }
        if (done > 0) {
            rings.ringCompletion();
        }
        if (timeoutNanos > 0 && inFlight.outstanding() > 0 && ++polls % TIMEOUT_CHECK_PERIOD == 0) {
            inFlight.checkTimeouts(controller, qid, timeoutNanos);
        }
        return done + inFlight.drainFailed();
    }

    /** Called by the monitor: whether command {@code cid} submitted before {@code since} is still outstanding. */
    boolean stillOutstanding(int cid, long since) {
        return slots.stillOutstanding(cid, since);
    }

    /** The owner's side of a reset or detach. */
    private int changeState(int s) {
        switch (s) {
            case OwnerHandshake.SUSPEND_REQUESTED -> handshake.acknowledge(OwnerHandshake.SUSPENDED);
            case OwnerHandshake.RESUME_REQUESTED -> {
                // the controller forgot every queue entry: start over and place the outstanding commands again
                rings.restart();
                inFlight.placeAgain(rings);
                handshake.acknowledge(OwnerHandshake.RUNNING);
                if (inFlight.outstanding() > 0) {
                    rings.ringSubmission();
                }
                return 1;
            }
            case OwnerHandshake.FAIL_REQUESTED -> {
                int n = inFlight.abortAll();
                handshake.acknowledge(OwnerHandshake.FAILED);
                return n;
            }
            case OwnerHandshake.FAILED -> {
                return inFlight.drainFailed();
            }
            default -> {
                return 0;
            }
        }
        return 0;
    }

    @Override
    public void onStateChange(Runnable wake) {
        handshake.onStateChange(wake);
    }

    /** The controller's side of a reset or detach (see {@link OwnerHandshake}). */
    OwnerHandshake handshake() {
        return handshake;
    }

    /** With the owner suspended: forget the old entries (the controller recreates the queues next). */
    void clearQueues() {
        rings.clear();
    }

    /** Read from other threads for statistics only: a count may lag the owner's by a few commands. */
    long directCommands() {
        return directCommands;
    }

    long copiedCommands() {
        return copiedCommands;
    }

    void releaseMemory() {
        if (rings != null) {
            rings.release();
        }
        if (data != null) {
            data.release(dma);
        }
        rings = null;
        data = null;
    }

    @Override
    public void close() {
        int outstanding = inFlight.outstanding();
        if (outstanding > 0) {
            throw new IllegalStateException("nvme queue pair " + qid + " still has " + outstanding + " command(s) outstanding");
        }
        controller.deleteQueuePair(this);
    }
}
