package io.jvhost.memory;

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

    /** One mapped region, shared by every map that contains it; unmapped when the last map closes. */
    private static final class Mapping {
        final MemoryRegion region;
        final MemorySegment mapping;
        final MemorySegment view;
        int references = 1;

        Mapping(MemoryRegion region, MemorySegment mapping, MemorySegment view) {
            this.region = region;
            this.mapping = mapping;
            this.view = view;
        }
    }

    private static final Object LOCK = new Object();
    private final Mapping[] mappings;
    private final MemoryRegion[] regions;
    private final MemorySegment[] views;
    private boolean closed;

    private GuestMemory(Mapping[] mappings) {
        this.mappings = mappings;
        this.regions = new MemoryRegion[mappings.length];
        this.views = new MemorySegment[mappings.length];
        for (int i = 0; i < mappings.length; i++) {
            regions[i] = mappings[i].region;
            views[i] = mappings[i].view;
        }
    }

    /** An empty map: every translation fails. */
    public static GuestMemory empty() {
        return new GuestMemory(new Mapping[0]);
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
        checkLayout(regions);
        List<Mapping> mapped = new ArrayList<>();
        try {
            for (int i = 0; i < regions.size(); i++) {
                mapped.add(mapRegion(regions.get(i), fds.get(i)));
            }
        } catch (RuntimeException e) {
            mapped.forEach(m -> Memory.munmap(m.mapping));
            throw e;
        }
        return new GuestMemory(mapped.toArray(new Mapping[0]));
    }

    private static Mapping mapRegion(MemoryRegion r, Fd fd) {
        MemorySegment m = Memory.mapShared(fd.fd(), r.size() + r.mmapOffset());
        return new Mapping(r, m, m.asSlice(r.mmapOffset(), r.size()));
    }

    private static void checkLayout(List<MemoryRegion> regions) {
        if (regions.size() > MAX_REGIONS) {
            throw new IllegalArgumentException("too many memory regions: " + regions.size() + " (at most " + MAX_REGIONS + ")");
        }
        for (int i = 0; i < regions.size(); i++) {
            MemoryRegion r = regions.get(i);
            if (r.size() <= 0 || r.mmapOffset() < 0 || r.size() > OFFSET_MASK || r.mmapOffset() > OFFSET_MASK
                    || r.guestPhysAddr() + r.size() < r.guestPhysAddr() || r.userAddr() + r.size() < r.userAddr()) {
                throw new IllegalArgumentException("memory region " + i + " is invalid: " + r);
            }
            for (int j = 0; j < i; j++) {
                if (r.overlapsGuest(regions.get(j))) {
                    throw new IllegalArgumentException("memory regions overlap: " + regions.get(j) + " and " + r);
                }
            }
        }
    }

    /** A new map with one more region (ADD_MEM_REG); shares this map's mappings. */
    public GuestMemory with(MemoryRegion region, Fd fd) {
        List<MemoryRegion> all = new ArrayList<>(List.of(regions));
        all.add(region);
        checkLayout(all);
        Mapping added = mapRegion(region, fd);
        synchronized (LOCK) {
            Mapping[] ms = java.util.Arrays.copyOf(mappings, mappings.length + 1);
            ms[ms.length - 1] = added;
            for (int i = 0; i < mappings.length; i++) {
                mappings[i].references++;
            }
            return new GuestMemory(ms);
        }
    }

    /** A new map without the region matching {@code region}'s guest address and size (REM_MEM_REG). */
    public GuestMemory without(MemoryRegion region) {
        synchronized (LOCK) {
            List<Mapping> kept = new ArrayList<>();
            boolean found = false;
            for (Mapping m : mappings) {
                if (!found && m.region.guestPhysAddr() == region.guestPhysAddr() && m.region.size() == region.size()) {
                    found = true;
                } else {
                    kept.add(m);
                }
            }
            if (!found) {
                throw new IllegalArgumentException("no memory region at guest address 0x"
                        + Long.toHexString(region.guestPhysAddr()) + " of " + region.size() + " bytes");
            }
            kept.forEach(m -> m.references++);
            return new GuestMemory(kept.toArray(new Mapping[0]));
        }
    }

    /** A map over memory the caller already owns (tests, a front-end's own view). Never unmapped. */
    public static GuestMemory wrap(List<MemoryRegion> regions, List<MemorySegment> views) {
        Mapping[] ms = new Mapping[regions.size()];
        for (int i = 0; i < ms.length; i++) {
            ms[i] = new Mapping(regions.get(i), null, views.get(i));
        }
        return new GuestMemory(ms);
    }

    public int regionCount() {
        return regions.length;
    }

    public MemoryRegion region(int i) {
        return regions[i];
    }

    /** Region {@code i} as mapped in this process (valid until this map is closed). */
    public MemorySegment view(int i) {
        return views[i];
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
     * Translates the byte at guest-physical {@code gpa}: a handle, or -1 when it is in no region.
     * With {@link #remaining(long)} a buffer is cut at region ends with one lookup per piece.
     */
    public long translateStart(long gpa) {
        MemoryRegion[] rs = regions;
        for (int i = 0; i < rs.length; i++) {
            long off = gpa - rs[i].guestPhysAddr();
            if (Long.compareUnsigned(off, rs[i].size()) < 0) {
                return ((long) i << OFFSET_BITS) | off;
            }
        }
        return -1;
    }

    /** Bytes from a handle's position to the end of its region. */
    public long remaining(long handle) {
        return regions[(int) (handle >>> OFFSET_BITS)].size() - (handle & OFFSET_MASK);
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

    /**
     * Translates a ring at front-end address {@code uaddr}, checking its alignment; returns a handle.
     *
     * @throws IllegalArgumentException naming the ring that is misaligned or outside guest memory
     */
    public long translateRing(String what, long uaddr, long bytes, int align) {
        if ((uaddr & (align - 1)) != 0) {
            throw new IllegalArgumentException(what + " at 0x" + Long.toHexString(uaddr) + " is not " + align
                    + "-byte aligned");
        }
        long h = translateUser(uaddr, bytes);
        if (h < 0) {
            throw new IllegalArgumentException(what + " at 0x" + Long.toHexString(uaddr) + " (" + bytes
                    + " bytes) is not inside guest memory");
        }
        return h;
    }

    /** The region segment a handle points into. */
    public MemorySegment segment(long handle) {
        return views[(int) (handle >>> OFFSET_BITS)];
    }

    /** The offset within {@link #segment(long)} a handle points at. */
    public static long offset(long handle) {
        return handle & OFFSET_MASK;
    }

    /** Releases this map; regions no other map shares are unmapped. Segments must not be used afterwards. */
    @Override
    public void close() {
        synchronized (LOCK) {
            if (closed) {
                return;
            }
            closed = true;
            for (Mapping m : mappings) {
                if (--m.references == 0 && m.mapping != null) {
                    Memory.munmap(m.mapping);
                }
            }
        }
    }
}
