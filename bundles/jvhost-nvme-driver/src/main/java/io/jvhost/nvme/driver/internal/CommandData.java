package io.jvhost.nvme.driver.internal;

import io.jvhost.memory.SgList;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The data side of one queue pair's commands: PRP entries that point at the caller's registered
 * memory, or at bounce pages from the pair's pool with the data copied in and out; a PRP list page
 * per command id for commands of more than two pages. Used by the pair's owner thread only.
 */
final class CommandData {
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED;
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED;
    private static final int PAGE = DmaBuffer.PAGE;
    private final RegisteredMappings registered;
    private final int maxPagesPerCommand;
    private DmaBuffer prpLists, bounce;
    /** PRP entries of the command being built. */
    private final long[] entries;
    /** Bounce pages held per command id (maxPagesPerCommand slots each) and how many. */
    private final int[] pages;
    private final int[] pageCount;
    private final int[] freePages;
    private int freePageCount;
    /** Start, in the request's data, of the segment {@link #seekSegment} found. */
    private long seekStart;

    CommandData(RegisteredMappings registered, DmaMemory dma, int commandIds, int maxPagesPerCommand) {
        this.registered = registered;
        this.maxPagesPerCommand = maxPagesPerCommand;
        int poolPages = Math.max(2 * maxPagesPerCommand, commandIds * 8);
        try {
            prpLists = dma.allocate((long) commandIds * PAGE, false);
            bounce = dma.allocate((long) poolPages * PAGE, false);
        } catch (RuntimeException e) {
            release(dma);
            throw e;
        }
        this.entries = new long[maxPagesPerCommand + 1];
        this.pages = new int[commandIds * maxPagesPerCommand];
        this.pageCount = new int[commandIds];
        this.freePages = new int[poolPages];
        for (int i = 0; i < poolPages; i++) {
            freePages[i] = poolPages - 1 - i;
        }
        freePageCount = poolPages;
    }

    /** Whether the pool has {@code n} bounce pages free. */
    boolean hasPages(int n) {
        return freePageCount >= n;
    }

    /** Gives command {@code cid} {@code n} bounce pages (checked with {@link #hasPages} first). */
    void takePages(int cid, int n) {
        int base = cid * maxPagesPerCommand;
        for (int k = 0; k < n; k++) {
            pages[base + k] = freePages[--freePageCount];
        }
        pageCount[cid] = n;
    }

    /** Returns command {@code cid}'s bounce pages to the pool. */
    void releasePages(int cid) {
        int base = cid * maxPagesPerCommand;
        for (int k = 0; k < pageCount[cid]; k++) {
            freePages[freePageCount++] = pages[base + k];
        }
        pageCount[cid] = 0;
    }

    /**
     * PRP entries for data in registered memory: the first at any dword address, each further one a
     * whole page. Returns how many, or 0 when some of the data is not registered or its pieces do not
     * line up as PRPs require (then the data is copied).
     */
    int directEntries(SgList sg, long offset, int bytes) {
        int n = sg.count();
        int seg = seekSegment(sg, offset);
        long segStart = seekStart;
        int count = 0;
        long done = 0;
        long previousEnd = 0;
        while (done < bytes) {
            if (seg >= n) {
                return 0;
            }
            long inSeg = offset + done - segStart;
            long len = Math.min(bytes - done, sg.length(seg) - inSeg);
            long iova = registered.iova(sg.address(seg) + inSeg, len);
            if (iova < 0 || (count == 0 ? (iova & 3) != 0 : (iova & (PAGE - 1)) != 0 || (previousEnd & (PAGE - 1)) != 0)) {
                return 0;
            }
            long end = iova + len;
            for (long p = iova; p < end; p = (p & -PAGE) + PAGE) {
                if (count == entries.length) {
                    return 0;
                }
                entries[count++] = p;
            }
            previousEnd = end;
            done += len;
            segStart += sg.length(seg);
            seg++;
        }
        return count;
    }

    /** PRP entries for command {@code cid}'s bounce pages; returns how many. */
    int bounceEntries(int cid) {
        int base = cid * maxPagesPerCommand;
        for (int k = 0; k < pageCount[cid]; k++) {
            entries[k] = bounce.iova((long) pages[base + k] * PAGE);
        }
        return pageCount[cid];
    }

    /** PRP1 of the command being built. */
    long prp1() {
        return entries[0];
    }

    /** PRP2 of the command being built: the second page, or a list of the rest in {@code cid}'s list page. */
    long prp2(int cid, int count) {
        if (count < 2) {
            return 0;
        }
        if (count == 2) {
            return entries[1];
        }
        MemorySegment list = prpLists.memory();
        long listAt = (long) cid * PAGE;
        for (int k = 1; k < count; k++) {
            list.set(U64, listAt + 8L * (k - 1), entries[k]);
        }
        return prpLists.iova(listAt);
    }

    /**
     * One Dataset Management range (context attributes 0, {@code blocks}, {@code lba}) in command
     * {@code cid}'s first bounce page; returns its device address.
     */
    long deallocateRange(int cid, int blocks, long lba) {
        long at = (long) pages[cid * maxPagesPerCommand] * PAGE;
        bounce.memory().set(U32, at, 0);
        bounce.memory().set(U32, at + 4, blocks);
        bounce.memory().set(U64, at + 8, lba);
        return bounce.iova(at);
    }

    /**
     * Copies {@code bytes} of the request's data starting at {@code offset} to ({@code toDevice}) or
     * from command {@code cid}'s bounce pages. False when the request's segments hold fewer bytes.
     */
    boolean copy(SgList sg, long offset, int bytes, int cid, boolean toDevice) {
        int base = cid * maxPagesPerCommand;
        int n = sg.count();
        int seg = seekSegment(sg, offset);
        long segStart = seekStart;
        long done = 0;
        MemorySegment b = bounce.memory();
        while (done < bytes) {
            if (seg >= n) {
                return false;
            }
            long inSeg = offset + done - segStart;
            long segLeft = sg.length(seg) - inSeg;
            long inPage = done & (PAGE - 1);
            long chunk = Math.min(Math.min(bytes - done, segLeft), PAGE - inPage);
            long bounceAt = (long) pages[base + (int) (done >>> 12)] * PAGE + inPage;
            if (toDevice) {
                MemorySegment.copy(sg.segment(seg), sg.offset(seg) + inSeg, b, bounceAt, chunk);
            } else {
                MemorySegment.copy(b, bounceAt, sg.segment(seg), sg.offset(seg) + inSeg, chunk);
            }
            done += chunk;
            if (chunk == segLeft) {
                segStart += sg.length(seg);
                seg++;
            }
        }
        return true;
    }

    /** Index of the segment holding byte {@code offset} of the request's data (segment count when past the end). */
    private int seekSegment(SgList sg, long offset) {
        int seg = 0;
        long start = 0;
        while (seg < sg.count() && start + sg.length(seg) <= offset) {
            start += sg.length(seg);
            seg++;
        }
        seekStart = start;
        return seg;
    }

    void release(DmaMemory dma) {
        for (DmaBuffer b : new DmaBuffer[] {prpLists, bounce}) {
            if (b != null) {
                dma.free(b);
            }
        }
        prpLists = bounce = null;
    }
}
