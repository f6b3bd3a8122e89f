package io.jvhost.nvme.driver.internal;

import io.jvhost.memory.SgList;
import io.jvhost.nvme.Nvme;
import io.jvhost.nvme.driver.NvmeQueuePair.Callback;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * What a queue pair keeps per command id, preallocated: the request and its callback, its data, the
 * time it was submitted, and a copy of its 64-byte entry, so that after a controller reset the
 * commands still outstanding are placed again. Owner thread only, except {@link #stillOutstanding}.
 */
final class CommandSlots {
    /** Command entries, one per id, as submitted. */
    final MemorySegment entries;
    final Object[] requests;
    final Callback[] callbacks;
    final SgList[] datas;
    final long[] dataOffset;
    final int[] dataBytes;
    final boolean[] readsData;
    /** The data went through bounce pages (copied back after a read). */
    final boolean[] bounced;
    private final long[] submitted;
    private final boolean[] reported;
    private final int[] free;
    private int freeCount;

    CommandSlots(int ids) {
        this.entries = Arena.ofAuto().allocate((long) ids * Nvme.SQE_BYTES, 64);
        this.requests = new Object[ids];
        this.callbacks = new Callback[ids];
        this.datas = new SgList[ids];
        this.dataOffset = new long[ids];
        this.dataBytes = new int[ids];
        this.readsData = new boolean[ids];
        this.bounced = new boolean[ids];
        this.submitted = new long[ids];
        this.reported = new boolean[ids];
        this.free = new int[ids];
        for (int i = 0; i < ids; i++) {
            free[i] = ids - 1 - i;
        }
        freeCount = ids;
    }

    int size() {
        return requests.length;
    }

    boolean hasFree() {
        return freeCount > 0;
    }

    int take() {
        return free[--freeCount];
    }

    /** Where command {@code cid}'s entry is kept. */
    static long entryOffset(int cid) {
        return (long) cid * Nvme.SQE_BYTES;
    }

    /** Records a command about to be placed on the queue. */
    void record(int cid, Object request, Callback callback, SgList data, long offset, int bytes, boolean read,
            boolean bounce, long now) {
        requests[cid] = request;
        callbacks[cid] = callback;
        datas[cid] = data;
        dataOffset[cid] = offset;
        dataBytes[cid] = bytes;
        readsData[cid] = read;
        bounced[cid] = bounce;
        reported[cid] = false;
        submitted[cid] = now;
    }

    /** Whether {@code cid} names a command of this pair that is outstanding (a controller may report others). */
    boolean inUse(int cid) {
        return cid < requests.length && requests[cid] != null;
    }

    void release(int cid) {
        requests[cid] = null;
        datas[cid] = null;
        callbacks[cid] = null;
        free[freeCount++] = cid;
    }

    /** Placed again after a reset: the timeout counts from now. */
    void resubmitted(int cid, long now) {
        submitted[cid] = now;
        reported[cid] = false;
    }

    /** A command outstanding longer than {@code timeoutNanos} and not reported yet; marks it reported. */
    boolean overdue(int cid, long now, long timeoutNanos) {
        if (requests[cid] != null && !reported[cid] && now - submitted[cid] > timeoutNanos) {
            reported[cid] = true;
            return true;
        }
        return false;
    }

    /** For the monitor: whether command {@code cid} submitted before {@code since} is still outstanding. */
    boolean stillOutstanding(int cid, long since) {
        return requests[cid] != null && submitted[cid] <= since;
    }
}
