package io.jvhost.virtio;

import io.jvhost.posix.Fd;
import io.jvhost.posix.Memory;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/**
 * A guest's memory as the front-end's memory table describes it, each region mapped from its file
 * descriptor. Translations return a packed handle (region index and offset) instead of objects, so
 * the I/O path allocates nothing; -1 means "not inside one region", which fails the request.
 * A map is immutable; a new memory table makes a new map, and the old one is closed only after
 * every queue using it has stopped.
 */
public final class GuestMemory implements AutoCloseable {
    /** Most regions accepted (QEMU offers up to 509 memory slots). */
    public static final int MAX_REGIONS = 512;
    private static final int OFFSET_BITS = 54;
    private static final long OFFSET_MASK = (1L << OFFSET_BITS) - 1;

    private final MemoryRegion[] regions;
    private final MemorySegment[] mappings;
    private final MemorySegment[] views;
    private boolean closed;

    private GuestMemory(MemoryRegion[] regions, MemorySegment[] mappings, MemorySegment[] views) {
        this.regions = regions;
        this.mappings = mappings;
        this.views = views;
    }

    /** An empty map: every translation fails. */
    public static GuestMemory empty() {
        return new GuestMemory(new MemoryRegion[0], new MemorySegment[0], new MemorySegment[0]);
    }

    /**
     * Maps {@code regions}, region i from {@code fds[i]} (mapped as mmap(size + mmap_offset) so that
     * hugetlbfs alignment holds). Refuses overlapping, empty or oversized regions. The descriptors
     * are not kept: the mapping stays valid after they are closed.
     */
    public static GuestMemory map(List<MemoryRegion> regions, List<Fd> fds) {
        if (regions.size() != fds.size()) {
            throw new IllegalArgumentException(regions.size() + " memory regions but " + fds.size() + " file descriptors");
        }
        if (regions.size() > MAX_REGIONS) {
            throw new IllegalArgumentException("too many memory regions: " + regions.size());
        }
        for (int i = 0; i < regions.size(); i++) {
            MemoryRegion r = regions.get(i);
            if (r.size() <= 0 || r.mmapOffset() < 0 || r.size() > OFFSET_MASK || r.mmapOffset() > OFFSET_MASK
                    || r.guestPhysAddr() + r.size() < r.guestPhysAddr()) {
                throw new IllegalArgumentException("memory region " + i + " is invalid: " + r);
            }
            for (int j = 0; j < i; j++) {
                if (r.overlapsGuest(regions.get(j))) {
                    throw new IllegalArgumentException("memory regions " + j + " and " + i + " overlap: " + regions.get(j)
                            + ", " + r);
                }
            }
        }
        List<MemorySegment> mapped = new ArrayList<>();
        MemorySegment[] views = new MemorySegment[regions.size()];
        try {
            for (int i = 0; i < regions.size(); i++) {
                MemoryRegion r = regions.get(i);
                MemorySegment m = Memory.mapShared(fds.get(i).fd(), r.size() + r.mmapOffset());
                mapped.add(m);
                views[i] = m.asSlice(r.mmapOffset(), r.size());
            }
        } catch (RuntimeException e) {
            mapped.forEach(Memory::munmap);
            throw e;
        }
        return new GuestMemory(regions.toArray(new MemoryRegion[0]), mapped.toArray(new MemorySegment[0]), views);
    }

    /** A map over memory the caller already owns (tests, a front-end's own view). Not unmapped on close. */
    public static GuestMemory wrap(List<MemoryRegion> regions, List<MemorySegment> views) {
        return new GuestMemory(regions.toArray(new MemoryRegion[0]), new MemorySegment[0],
                views.toArray(new MemorySegment[0]));
    }

    public int regionCount() {
        return regions.length;
    }

    public MemoryRegion region(int i) {
        return regions[i];
    }

    /**
     * Translates {@code len} bytes at guest-physical {@code gpa}; returns a handle for
     * {@link #segment(long)} and {@link #offset(long)}, or -1 when the range is not inside one region.
     */
    public long translate(long gpa, long len) {
        MemoryRegion[] rs = regions;
        for (int i = 0; i < rs.length; i++) {
            long off = gpa - rs[i].guestPhysAddr();
            if (Long.compareUnsigned(off, rs[i].size()) < 0 && len >= 0 && len <= rs[i].size() - off) {
                return ((long) i << OFFSET_BITS) | off;
            }
        }
        return -1;
    }

    /**
     * How many bytes starting at {@code gpa} lie in one region (0 if {@code gpa} is in none): lets a
     * buffer that spans adjacent regions be split into pieces.
     */
    public long contiguous(long gpa) {
        for (MemoryRegion r : regions) {
            long off = gpa - r.guestPhysAddr();
            if (Long.compareUnsigned(off, r.size()) < 0) {
                return r.size() - off;
            }
        }
        return 0;
    }

    /** Translates a front-end virtual address range (ring addresses); same handle form as {@link #translate}. */
    public long translateUser(long uaddr, long len) {
        MemoryRegion[] rs = regions;
        for (int i = 0; i < rs.length; i++) {
            long off = uaddr - rs[i].userAddr();
            if (Long.compareUnsigned(off, rs[i].size()) < 0 && len >= 0 && len <= rs[i].size() - off) {
                return ((long) i << OFFSET_BITS) | off;
            }
        }
        return -1;
    }

    /** The region segment a handle points into. */
    public MemorySegment segment(long handle) {
        return views[(int) (handle >>> OFFSET_BITS)];
    }

    /** The offset within {@link #segment(long)} a handle points at. */
    public static long offset(long handle) {
        return handle & OFFSET_MASK;
    }

    /** Unmaps every region (once); segments from this map must not be used afterwards. */
    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            for (MemorySegment m : mappings) {
                Memory.munmap(m);
            }
        }
    }
}
