package io.jvhost.vhostnvme.internal;

import io.jvhost.nvme.Cqe;
import io.jvhost.nvme.Nvme;
import io.jvhost.posix.EventFd;
import io.jvhost.reactor.Reactor;
import io.jvhost.vhostnvme.spi.DoorbellBuffer;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;

/**
 * An I/O completion queue in guest memory, written by the reactor its submission queues run on.
 * Entries are posted body first and status (with the phase tag) last with a release store; the guest
 * reports its head through the doorbell relay or the shadow doorbell. Interrupts go to the call
 * eventfd the hypervisor gave for this queue.
 *
 * <p>Owned by its reactor from creation on: the fields below that the control plane changes
 * (call fd, doorbells, coalescing, relayed head, ring mapping) are written only by commands that
 * {@link IoQueues} runs on {@link #reactor}, never from the socket thread.
 */
final class CompletionQueue {
    private static final VarHandle STATUS = ValueLayout.JAVA_SHORT.varHandle();
    final int qid;
    final int size;
    final long gpa;
    final boolean interruptsEnabled;
    final Reactor reactor;
    private MemorySegment ring;
    private long ringOff;
    private int tail;
    private boolean phase = true;
    private int head;
    private boolean owed;
    /** Completions posted since the last interrupt, and when the first of them was. */
    private int pending;
    private long firstPendingNanos;
    /**
     * An interrupt went out for entries the guest had not consumed, and its head has not moved since
     * ({@link #headAtInterrupt}): its handler is still to run and will find what was posted after.
     */
    private boolean unanswered;
    private int headAtInterrupt;
    /** Interrupt Coalescing feature (08h): bits 7:0 aggregation threshold (0-based), 15:8 time in 100 us. */
    int coalescing;
    /** Head written through the doorbell relay. */
    int relayedHead;
    EventFd call;
    /** Shadow doorbells or the shared BAR page; null: the relay. */
    DoorbellBuffer shadow;
    /** Submission queues feeding this one (control thread). */
    int users;

    CompletionQueue(int qid, int size, long gpa, boolean interruptsEnabled, Reactor reactor) {
        this.qid = qid;
        this.size = size;
        this.gpa = gpa;
        this.interruptsEnabled = interruptsEnabled;
        this.reactor = reactor;
    }

    void map(MemorySegment ring, long off) {
        this.ring = ring;
        this.ringOff = off;
    }

    private void refreshHead() {
        DoorbellBuffer d = shadow;
        int h = d != null ? d.cqHead(qid) : relayedHead;
        if (h >= 0 && h < size) {
            head = h;
        }
    }

    /** Posts a completion; false when the queue is full (the caller retries later). */
    boolean post(int dw0, int sqHead, int sqId, int cid, int status) {
        int next = tail + 1 == size ? 0 : tail + 1;
        if (next == head) {
            refreshHead();
            if (next == head) {
                return false;
            }
        }
        long at = ringOff + (long) tail * Nvme.CQE_BYTES;
        Cqe.writeBody(ring, at, dw0, sqHead, sqId, cid);
        STATUS.setRelease(ring, at + Cqe.STATUS, Cqe.statusField(status, phase));
        tail = next;
        if (tail == 0) {
            phase = !phase;
        }
        if (!owed) {
            firstPendingNanos = coalescing != 0 ? System.nanoTime() : 0;
        }
        owed = true;
        pending++;
        return true;
    }

    /**
     * Interrupts the guest once for what was posted since the last interrupt, unless Interrupt
     * Coalescing says to wait for more entries or more time, or the last interrupt is unanswered: the
     * guest's handler reads every entry up to the phase change and then writes the head, so entries
     * posted before that are seen without a second interrupt, and one posted after it is signalled
     * once the moved head shows the handler ran (as EVENT_IDX spares virtqueues repeated calls).
     * {@code flush} (a controller about to sleep) sends it anyway: no one would see the head move.
     */
    void signal(boolean flush) {
        if (!owed) {
            return;
        }
        int c = coalescing;
        if (c != 0 && !flush && pending < (c & 0xFF) + 1
                && System.nanoTime() - firstPendingNanos < ((c >>> 8) & 0xFF) * 100_000L) {
            return;
        }
        refreshHead();
        if (unanswered && !flush && head == headAtInterrupt) {
            return;
        }
        owed = false;
        pending = 0;
        unanswered = head != tail;
        headAtInterrupt = head;
        EventFd fd = call;
        if (interruptsEnabled && fd != null) {
            fd.signal();
        }
    }
}
