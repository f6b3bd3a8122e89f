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
     * Reads the region a front-end handed back after a restart, for a ring of {@code queueSize}
     * entries whose used index in guest memory is {@code ringUsedIdx}, and repairs the last batch (a
     * crash after its used index was published but before its flags were cleared).
     *
     * @throws IllegalArgumentException saying what does not fit (size, version, desc_num, flags, a
     *         batch that cannot be walked): the caller then starts the queue clean
     */
    public static Recovered recover(MemorySegment region, int queueSize, int ringUsedIdx) {
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
        int[] heads = new int[queueSize];
        int inflight = 0;
        for (int i = 0; i < queueSize; i++) {
            int flag = region.get(ValueLayout.JAVA_BYTE, entry(i)) & 0xFF;
            if (flag > 1) {
                throw new IllegalArgumentException("inflight flag " + flag + " at descriptor " + i);
            }
            if (flag == 1) {
                heads[inflight++] = i;
            }
        }
        int usedIdx = region.get(U16, USED_IDX_AT) & 0xFFFF;
        ringUsedIdx &= 0xFFFF;
        if (usedIdx != ringUsedIdx) {
            int batch = (ringUsedIdx - usedIdx) & 0xFFFF;
            if (inflight == 0) {
                // nothing in flight: a ring set up again after a clean stop; only the index is stale
                t.publishedUsedIdx(ringUsedIdx);
            } else if (batch > queueSize) {
                throw new IllegalArgumentException("the used ring is " + batch + " entries past the region's used_idx "
                        + usedIdx + ", more than the ring's " + queueSize);
            } else {
                // the batch published last; a crash may have cleared some of its flags already
                t.clearLastBatch(batch);
                t.publishedUsedIdx(ringUsedIdx);
                inflight = 0;
                for (int i = 0; i < queueSize; i++) {
                    if (region.get(ValueLayout.JAVA_BYTE, entry(i)) == 1) {
                        heads[inflight++] = i;
                    }
                }
            }
        }
        Integer[] order = new Integer[inflight];
        for (int i = 0; i < inflight; i++) {
            order[i] = heads[i];
        }
        Arrays.sort(order, (a, b) -> Long.compareUnsigned(t.counter(a), t.counter(b)));
        int[] resubmit = new int[inflight];
        for (int i = 0; i < inflight; i++) {
            resubmit[i] = order[i];
        }
        t.counter = inflight == 0 ? 0 : t.counter(resubmit[inflight - 1]) + 1;
        return new Recovered(t, resubmit);
    }

    /** A region read back after a restart: the tracker to go on with, and the heads to resubmit, oldest first. */
    public record Recovered(SplitInflight tracker, int[] resubmit) {
    }

    /** The region for a ring just set up with nothing in flight (it is formatted first). */
    public static SplitInflight fresh(MemorySegment region, int queueSize, int ringUsedIdx) {
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
