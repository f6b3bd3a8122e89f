package io.jvhost.virtio;

import static io.jvhost.virtio.Layouts.U16;
import static io.jvhost.virtio.Layouts.U16_ATOMIC;
import static io.jvhost.virtio.Layouts.U64;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.util.Arrays;

/**
 * One split queue's part of the vhost-user inflight region (vhost-user.rst, "Inflight I/O
 * tracking"): a flyweight over memory the front-end keeps when the back-end dies, recording per
 * descriptor head what was taken from the avail ring and not yet returned in the used ring.
 *
 * <p>Layout: a 16-byte header {u64 features, u16 version, u16 desc_num, u16 last_batch_head, u16
 * used_idx} and desc_num 16-byte entries {u8 inflight, u8 pad[5], u16 next, u64 counter}. The
 * stores keep an order in which a crash at any instruction leaves a region the next process can
 * read: a head is marked after its counter is written; a batch of completions is linked through
 * {@code next} and named by {@code last_batch_head} before the used index that publishes it; flags
 * are cleared and {@code used_idx} updated only after that index. One reactor thread uses it.
 */
public final class SplitInflight {
    /** The layout version this class writes and reads. */
    public static final int VERSION = 1;
    /** Each queue's region is padded to this (as QEMU's and DPDK's back-ends lay it out). */
    public static final int ALIGNMENT = 64;
    private static final int HEADER = 16, ENTRY = 16;
    private static final long VERSION_AT = 8, DESC_NUM_AT = 10, LAST_BATCH_HEAD_AT = 12, USED_IDX_AT = 14;
    private static final long NEXT_IN_ENTRY = 6, COUNTER_IN_ENTRY = 8;
    private static final VarHandle U8_ATOMIC = ValueLayout.JAVA_BYTE.varHandle();

    private final MemorySegment region;
    private final int size;
    private long counter;
    /** The head pushed last in the batch not yet published (-1: none), and how many the batch has. */
    private int batchHead = -1;
    private int batchCount;
    /** Test hook: called at each step of the sequence, so a test can stop there as a crash would. */
    CrashPoints crashPoints;

    /** The steps a test can stop at; a hook that throws abandons the queue as a killed process does. */
    enum Step { TAKEN, USED_ENTRY, USED_INDEX, FLAG_CLEARED, USED_IDX_RECORDED }

    interface CrashPoints {
        void reached(Step step);
    }

    private SplitInflight(MemorySegment region, int size) {
        this.region = region;
        this.size = size;
    }

    /** Bytes of one queue's region for a ring of {@code queueSize} entries. */
    public static long regionSize(int queueSize) {
        long raw = HEADER + (long) ENTRY * queueSize;
        return (raw + ALIGNMENT - 1) & -ALIGNMENT;
    }

    /** Writes an empty region (nothing in flight) for a ring of {@code queueSize} entries into {@code region}. */
    public static void format(MemorySegment region, int queueSize) {
        region.asSlice(0, regionSize(queueSize)).fill((byte) 0);
        region.set(U16, VERSION_AT, (short) VERSION);
        region.set(U16, DESC_NUM_AT, (short) queueSize);
    }

    /**
     * Where a queue starting over {@code region} goes on: the tracker to use (null: none), the heads
     * a previous process took and did not return, oldest first, the next avail index, and why the
     * region was refused (null when it was used).
     */
    public record Start(SplitInflight tracker, int[] resubmit, int lastAvail, String refused) {
    }

    /**
     * Reads the region for a ring of {@code queueSize} entries whose indices in guest memory are
     * {@code ringUsedIdx} and {@code ringAvailIdx}. A region a front-end handed back after a restart
     * gives the requests to serve again and the avail index after them (used index plus those); its
     * last batch is repaired first (a crash after the batch's used index was published but before its
     * flags were cleared). A region that does not fit (size, version, desc_num, flags, a batch that
     * cannot be walked, more in flight than the avail ring holds) is formatted, or, too small even
     * for that, not used, and the queue goes on at {@code lastAvail} (SET_VRING_BASE's index).
     */
    public static Start start(MemorySegment region, int queueSize, int ringUsedIdx, int ringAvailIdx, int lastAvail) {
        ringUsedIdx &= 0xFFFF;
        try {
            SplitInflight t = read(region, queueSize, ringUsedIdx);
            int[] resubmit = t.markedHeadsOldestFirst();
            t.counter = resubmit.length == 0 ? 0 : t.counter(resubmit[resubmit.length - 1]) + 1;
            int goOnAt = (ringUsedIdx + resubmit.length) & 0xFFFF;
            if (((ringAvailIdx - goOnAt) & 0xFFFF) > queueSize) {
                throw new IllegalArgumentException("the region has " + resubmit.length + " requests in flight past used"
                        + " index " + ringUsedIdx + ", beyond the avail index " + (ringAvailIdx & 0xFFFF));
            }
            return new Start(t, resubmit, goOnAt, null);
        } catch (IllegalArgumentException e) {
            SplitInflight fresh = region.byteSize() < regionSize(queueSize) ? null : fresh(region, queueSize, ringUsedIdx);
            return new Start(fresh, new int[0], lastAvail & 0xFFFF, e.getMessage());
        }
    }

    /** Checks the region against the ring and repairs its last batch; throws saying what does not fit. */
    private static SplitInflight read(MemorySegment region, int queueSize, int ringUsedIdx) {
        if (region.byteSize() < regionSize(queueSize)) {
            throw new IllegalArgumentException("the inflight region has " + region.byteSize() + " bytes for the queue, "
                    + regionSize(queueSize) + " needed for " + queueSize + " entries");
        }
        int version = region.get(U16, VERSION_AT) & 0xFFFF;
        int descNum = region.get(U16, DESC_NUM_AT) & 0xFFFF;
        if (version != VERSION || descNum != queueSize) {
            throw new IllegalArgumentException("the inflight region says version " + version + " and " + descNum
                    + " descriptors; the ring has " + queueSize + " (version " + VERSION + " expected)");
        }
        SplitInflight t = new SplitInflight(region, queueSize);
        for (int i = 0; i < queueSize; i++) {
            int flag = region.get(ValueLayout.JAVA_BYTE, entry(i)) & 0xFF;
            if (flag > 1) {
                throw new IllegalArgumentException("inflight flag " + flag + " at descriptor " + i);
            }
        }
        int usedIdx = region.get(U16, USED_IDX_AT) & 0xFFFF;
        if (usedIdx != ringUsedIdx) {
            int batch = (ringUsedIdx - usedIdx) & 0xFFFF;
            if (t.inflightCount() != 0) {
                // nothing in flight means a ring set up again after a clean stop: only the index is stale
                if (batch > queueSize) {
                    throw new IllegalArgumentException("the used ring is " + batch + " entries past the region's"
                            + " used_idx " + usedIdx + ", more than the ring's " + queueSize);
                }
                // the batch published last; a crash may have cleared some of its flags already
                t.clearLastBatch(batch);
            }
            t.publishedUsedIdx(ringUsedIdx);
        }
        return t;
    }

    /** The heads marked in flight, in the (unsigned) order of their counters. */
    private int[] markedHeadsOldestFirst() {
        Integer[] order = new Integer[inflightCount()];
        int n = 0;
        for (int i = 0; i < size; i++) {
            if (region.get(ValueLayout.JAVA_BYTE, entry(i)) == 1) {
                order[n++] = i;
            }
        }
        Arrays.sort(order, (a, b) -> Long.compareUnsigned(counter(a), counter(b)));
        int[] heads = new int[n];
        for (int i = 0; i < n; i++) {
            heads[i] = order[i];
        }
        return heads;
    }

    /** The region for a ring just set up with nothing in flight (it is formatted first). */
    private static SplitInflight fresh(MemorySegment region, int queueSize, int ringUsedIdx) {
        format(region, queueSize);
        SplitInflight t = new SplitInflight(region, queueSize);
        t.publishedUsedIdx(ringUsedIdx & 0xFFFF);
        return t;
    }

    /** Head {@code head} was taken from the avail ring: its counter, then its flag. */
    void taken(int head) {
        long e = entry(head);
        region.set(U64, e + COUNTER_IN_ENTRY, counter++);
        U8_ATOMIC.setRelease(region, e, (byte) 1);
        reached(Step.TAKEN);
    }

    /** Head {@code head}'s used entry was written: it joins the batch the next used index publishes. */
    void completing(int head) {
        if (batchHead >= 0) {
            region.set(U16, entry(head) + NEXT_IN_ENTRY, (short) batchHead);
        }
        batchHead = head;
        batchCount++;
        reached(Step.USED_ENTRY);
    }

    /** Before the used index is published: names the batch so that a restart can finish it. */
    void beforePublish() {
        if (batchHead >= 0) {
            U16_ATOMIC.setRelease(region, LAST_BATCH_HEAD_AT, (short) batchHead);
        }
    }

    /** After the used index {@code usedIdx} was published: the batch is no longer in flight. */
    void afterPublish(int usedIdx) {
        reached(Step.USED_INDEX);
        int head = batchHead;
        for (int i = 0; i < batchCount; i++) {
            long e = entry(head);
            // release: the used index store that published this entry stays before the flag's clearing
            U8_ATOMIC.setRelease(region, e, (byte) 0);
            head = region.get(U16, e + NEXT_IN_ENTRY) & 0xFFFF;
            reached(Step.FLAG_CLEARED);
        }
        batchHead = -1;
        batchCount = 0;
        publishedUsedIdx(usedIdx);
        reached(Step.USED_IDX_RECORDED);
    }

    private void reached(Step step) {
        if (crashPoints != null) {
            crashPoints.reached(step);
        }
    }

    /** How many descriptors the region marks in flight (for tests and statistics; walks the region). */
    public int inflightCount() {
        int n = 0;
        for (int i = 0; i < size; i++) {
            n += region.get(ValueLayout.JAVA_BYTE, entry(i));
        }
        return n;
    }

    private void publishedUsedIdx(int usedIdx) {
        U16_ATOMIC.setRelease(region, USED_IDX_AT, (short) usedIdx);
    }

    private void clearLastBatch(int batch) {
        int head = region.get(U16, LAST_BATCH_HEAD_AT) & 0xFFFF;
        for (int i = 0; i < batch; i++) {
            if (head >= size) {
                throw new IllegalArgumentException("the last batch links to descriptor " + head + " of " + size);
            }
            long e = entry(head);
            region.set(ValueLayout.JAVA_BYTE, e, (byte) 0);
            head = region.get(U16, e + NEXT_IN_ENTRY) & 0xFFFF;
        }
    }

    private long counter(int head) {
        return region.get(U64, entry(head) + COUNTER_IN_ENTRY);
    }

    private static long entry(int head) {
        return HEADER + (long) ENTRY * head;
    }
}
