package io.jvhost.nvme.driver.internal;

/**
 * Registered memory a controller can reach directly (mapped into its IOMMU): an immutable table of
 * page-aligned ranges and their I/O addresses, replaced as a whole on change, so that queue pairs
 * read it without locks.
 */
final class ExternalMemory {
    static final ExternalMemory EMPTY = new ExternalMemory(new long[0], new long[0], new long[0]);
    private final long[] starts;
    private final long[] ends;
    private final long[] iovas;

    private ExternalMemory(long[] starts, long[] ends, long[] iovas) {
        this.starts = starts;
        this.ends = ends;
        this.iovas = iovas;
    }

    boolean isEmpty() {
        return starts.length == 0;
    }

    ExternalMemory with(long start, long end, long iova) {
        int n = starts.length;
        long[] s = java.util.Arrays.copyOf(starts, n + 1), e = java.util.Arrays.copyOf(ends, n + 1),
                v = java.util.Arrays.copyOf(iovas, n + 1);
        s[n] = start;
        e[n] = end;
        v[n] = iova;
        return new ExternalMemory(s, e, v);
    }

    /** The table without the range at {@code start}..{@code end}; {@link #iovaOfRange} gives its address first. */
    ExternalMemory without(long start, long end) {
        int i = indexOf(start, end);
        if (i < 0) {
            return this;
        }
        int n = starts.length - 1;
        long[] s = new long[n], e = new long[n], v = new long[n];
        System.arraycopy(starts, 0, s, 0, i);
        System.arraycopy(starts, i + 1, s, i, n - i);
        System.arraycopy(ends, 0, e, 0, i);
        System.arraycopy(ends, i + 1, e, i, n - i);
        System.arraycopy(iovas, 0, v, 0, i);
        System.arraycopy(iovas, i + 1, v, i, n - i);
        return new ExternalMemory(s, e, v);
    }

    long iovaOfRange(long start, long end) {
        int i = indexOf(start, end);
        return i < 0 ? -1 : iovas[i];
    }

    private int indexOf(long start, long end) {
        for (int i = 0; i < starts.length; i++) {
            if (starts[i] == start && ends[i] == end) {
                return i;
            }
        }
        return -1;
    }

    /** The I/O address of {@code address} when all of {@code [address, address + length)} is mapped, else -1. */
    long translate(long address, long length) {
        for (int i = 0; i < starts.length; i++) {
            if (address >= starts[i] && address + length <= ends[i]) {
                return iovas[i] + (address - starts[i]);
            }
        }
        return -1;
    }
}
