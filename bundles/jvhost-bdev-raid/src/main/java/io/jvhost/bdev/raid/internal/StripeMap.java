package io.jvhost.bdev.raid.internal;

/**
 * Where a raid0 or concat bdev's blocks live: which base holds a block, at which of its blocks, and how
 * far the run of blocks on that base goes. A request is cut into one piece per run.
 */
interface StripeMap {
    /** The base holding block {@code offset}. */
    int base(long offset);

    /** Block {@code offset}'s block on its base. */
    long baseOffset(long offset);

    /** How many of the {@code remaining} blocks from {@code offset} lie on the same base, in a row. */
    long runBlocks(long offset, long remaining);

    /**
     * raid0: strip {@code s} is on base {@code s % n}, as that base's strip {@code s / n}. Strips are a
     * power of two blocks, so within a strip it is shifts and masks.
     */
    record Striped(int bases, int stripShift) implements StripeMap {
        @Override
        public int base(long offset) {
            return (int) ((offset >>> stripShift) % bases);
        }

        @Override
        public long baseOffset(long offset) {
            long strip = offset >>> stripShift;
            return ((strip / bases) << stripShift) | (offset & ((1L << stripShift) - 1));
        }

        @Override
        public long runBlocks(long offset, long remaining) {
            long toStripEnd = (1L << stripShift) - (offset & ((1L << stripShift) - 1));
            return Math.min(remaining, toStripEnd);
        }
    }

    /** concat: base {@code i} holds blocks {@code [starts[i], starts[i + 1])}. */
    record Concatenated(long[] starts) implements StripeMap {
        @Override
        public int base(long offset) {
            int i = 0;
            while (offset >= starts[i + 1]) {
                i++;
            }
            return i;
        }

        @Override
        public long baseOffset(long offset) {
            return offset - starts[base(offset)];
        }

        @Override
        public long runBlocks(long offset, long remaining) {
            return Math.min(remaining, starts[base(offset) + 1] - offset);
        }
    }
}
