package io.jvhost.nvme.driver.internal;

import io.jvhost.nvme.driver.NvmeDriverException;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The I/O queue pairs of one controller: the queue ids in use (1 to the number granted), the pairs
 * alive (resets and detach walk them), and the data-command counts of pairs already closed.
 */
final class QueuePairs {
    private final String controller;
    private final int granted;
    private final BitSet used = new BitSet();
    final List<PcieQueuePair> alive = new CopyOnWriteArrayList<>();
    private final AtomicLong closedDirect = new AtomicLong(), closedCopied = new AtomicLong();

    QueuePairs(String controller, int granted) {
        this.controller = controller;
        this.granted = granted;
    }

    int granted() {
        return granted;
    }

    /** The lowest free queue id; refused when every granted queue is in use. */
    synchronized int reserve() {
        int qid = used.nextClearBit(1);
        if (qid > granted) {
            throw new NvmeDriverException(controller + " has no I/O queue left (" + granted + " granted)");
        }
        used.set(qid);
        return qid;
    }

    synchronized void release(int qid) {
        used.clear(qid);
    }

    /** A pair closed: it is no longer walked, and its counts move to the closed totals. */
    void closed(PcieQueuePair qp) {
        alive.remove(qp);
        closedDirect.addAndGet(qp.directCommands());
        closedCopied.addAndGet(qp.copiedCommands());
    }

    /** Whether command {@code cid} of queue {@code qid}, reported at {@code since}, is still out. */
    boolean stillOutstanding(int qid, int cid, long since) {
        for (PcieQueuePair qp : alive) {
            if (qp.id() == qid) {
                return qp.stillOutstanding(cid, since);
            }
        }
        return false;
    }

    /** Data commands sent {direct, copied} by every pair, alive or closed. */
    long[] dataCommands() {
        long direct = closedDirect.get(), copied = closedCopied.get();
        for (PcieQueuePair qp : alive) {
            direct += qp.directCommands();
            copied += qp.copiedCommands();
        }
        return new long[] {direct, copied};
    }
}
