package io.jvhost.frontend.bench;

import io.jvhost.frontend.BlkQueue;
import io.jvhost.frontend.BlkRequests;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Keeps a depth of write-then-read-back pairs in flight on one vhost-user-blk queue and checks every
 * block read against what was written to it. Each lane (one request in flight) owns its own blocks,
 * so no two requests in flight touch the same block, and each write carries the block number and a
 * generation, so a read that returns stale or misplaced data fails the check.
 */
final class VerifyLoad implements BlkQueue.Completion {
    private static final ValueLayout.OfLong WORD = ValueLayout.JAVA_LONG_UNALIGNED;
    private final BlkQueue queue;
    private final int bs;
    private final int depth;
    private final long blocksPerLane;
    private final int[] laneOfSlot;
    private final long[] laneBlock;
    private final long[] laneGeneration;
    private final boolean[] laneReading;
    private long seed = 0x2545F4914F6CDD1DL;
    private long completed;
    private long verified;
    private long failures;
    private String firstFailure;

    /**
     * @param blocks capacity in {@code bs}-byte blocks; at least {@code depth} of them
     */
    VerifyLoad(BlkQueue queue, int bs, int depth, long blocks) {
        if (depth > queue.slots() || blocks < depth || bs > queue.slotBytes() || bs % 512 != 0) {
            throw new IllegalArgumentException("verify load of depth " + depth + " with " + bs + "-byte blocks needs "
                    + depth + " slots of " + bs + " bytes and " + depth + " blocks");
        }
        this.queue = queue;
        this.bs = bs;
        this.depth = depth;
        this.blocksPerLane = blocks / depth;
        this.laneOfSlot = new int[queue.slots()];
        this.laneBlock = new long[depth];
        this.laneGeneration = new long[depth];
        this.laneReading = new boolean[depth];
    }

    /** Starts every lane with a write. */
    void start() {
        for (int lane = 0; lane < depth; lane++) {
            write(lane);
        }
        queue.publish();
    }

    /** Reaps completions and submits each lane's next request; returns how many completed. */
    int poll() {
        int n = queue.poll(this);
        if (n > 0) {
            queue.publish();
        }
        return n;
    }

    /** Lets the requests in flight finish without starting new ones (for up to {@code nanos}). */
    void drain(long nanos) {
        long end = System.nanoTime() + nanos;
        while (queue.inFlight() > 0 && System.nanoTime() < end) {
            queue.poll((slot, status, len) -> { });
        }
    }

    long completed() {
        return completed;
    }

    /** Blocks read back and found as written. */
    long verified() {
        return verified;
    }

    /** Requests that failed or read back wrong data. */
    long failures() {
        return failures;
    }

    /** What the first failure was, or null. */
    String firstFailure() {
        return firstFailure;
    }

    @Override
    public void completed(int slot, int status, int usedLength) {
        completed++;
        int lane = laneOfSlot[slot];
        if (status != BlkRequests.S_OK) {
            fail((laneReading[lane] ? "read" : "write") + " of block " + laneBlock[lane] + " ended with status "
                    + status);
            write(lane);
            return;
        }
        if (!laneReading[lane]) {
            read(lane);
            return;
        }
        long wrong = firstWrongWord(queue.data(slot), laneBlock[lane], laneGeneration[lane]);
        if (wrong >= 0) {
            fail("block " + laneBlock[lane] + " read back wrong data at byte " + wrong * 8);
        } else {
            verified++;
        }
        write(lane);
    }

    private void fail(String what) {
        if (failures++ == 0) {
            firstFailure = what;
        }
    }

    private void write(int lane) {
        long block = nextBlock(lane);
        laneBlock[lane] = block;
        long generation = ++laneGeneration[lane];
        laneReading[lane] = false;
        int slot = queue.nextSlot();
        MemorySegment data = queue.data(slot);
        long first = pattern(block, generation);
        for (int i = 0; i < bs / 8; i++) {
            data.set(WORD, 8L * i, first + i);
        }
        submit(lane, BlkRequests.T_OUT, block);
    }

    private void read(int lane) {
        laneReading[lane] = true;
        queue.data(queue.nextSlot()).asSlice(0, bs).fill((byte) 0);
        submit(lane, BlkRequests.T_IN, laneBlock[lane]);
    }

    private void submit(int lane, int type, long block) {
        int slot = queue.submit(type, block * (bs / 512), bs);
        if (slot < 0) {
            throw new IllegalStateException("no free slot for lane " + lane + ": a completion was lost");
        }
        laneOfSlot[slot] = lane;
    }

    private long firstWrongWord(MemorySegment data, long block, long generation) {
        long first = pattern(block, generation);
        for (int i = 0; i < bs / 8; i++) {
            if (data.get(WORD, 8L * i) != first + i) {
                return i;
            }
        }
        return -1;
    }

    private static long pattern(long block, long generation) {
        return block * 0x9E3779B97F4A7C15L ^ generation << 32;
    }

    /** A random block among this lane's: blocks {@code lane}, {@code lane + depth}, ... */
    private long nextBlock(int lane) {
        seed ^= seed << 13;
        seed ^= seed >>> 7;
        seed ^= seed << 17;
        return Long.remainderUnsigned(seed, blocksPerLane) * depth + lane;
    }
}
