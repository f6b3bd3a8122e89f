package io.jvhost.virtio;

import io.jvhost.memory.GuestMemory;
import io.jvhost.memory.MemoryRegion;
import static io.jvhost.virtio.Layouts.U16;
import static io.jvhost.virtio.Layouts.U32;
import static io.jvhost.virtio.Layouts.U64;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/**
 * Guest memory for ring tests: two adjacent regions of plain process memory (so buffers can cross
 * from one into the next), guest-physical from {@link #BASE}, front-end addresses at a fixed
 * distance, with a bump allocator and writers for descriptors as a driver lays them out.
 */
final class FakeGuest implements AutoCloseable {
    static final long BASE = 0x10_0000L;
    static final long REGION = 64 * 1024;
    /** Front-end (user) addresses are guest-physical plus this. */
    static final long USER_OFFSET = 0x7f00_0000_0000L;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment[] views = new MemorySegment[2];
    final GuestMemory memory;
    private long next = BASE;

    FakeGuest() {
        List<MemoryRegion> regions = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            views[i] = arena.allocate(REGION, 4096);
            long gpa = BASE + i * REGION;
            regions.add(new MemoryRegion(gpa, REGION, gpa + USER_OFFSET, 0));
        }
        memory = GuestMemory.wrap(regions, List.of(views));
    }

    /** The end of guest memory: the first guest-physical address outside it. */
    static long end() {
        return BASE + 2 * REGION;
    }

    long allocate(long bytes, long align) {
        next = (next + align - 1) & -align;
        long at = next;
        next += bytes;
        if (next > end()) {
            throw new IllegalStateException("fake guest memory is full");
        }
        return at;
    }

    static long user(long gpa) {
        return gpa + USER_OFFSET;
    }

    /** The process view of {@code bytes} at guest-physical {@code gpa} (inside one region). */
    MemorySegment at(long gpa, long bytes) {
        int i = (int) ((gpa - BASE) / REGION);
        return views[i].asSlice(gpa - BASE - i * REGION, bytes);
    }

    /** True when {@code s} is one of this guest's region views. */
    boolean isView(MemorySegment s) {
        return s == views[0] || s == views[1];
    }

    void u16(long gpa, int v) {
        at(gpa, 2).set(U16, 0, (short) v);
    }

    int u16(long gpa) {
        return at(gpa, 2).get(U16, 0) & 0xFFFF;
    }

    int u32(long gpa) {
        return at(gpa, 4).get(U32, 0);
    }

    /** Writes a 16-byte descriptor {addr, len, flags/id, next} at {@code gpa}. */
    void descriptor(long gpa, long addr, int len, int a, int b) {
        MemorySegment d = at(gpa, 16);
        d.set(U64, 0, addr);
        d.set(U32, 8, len);
        d.set(U16, 12, (short) a);
        d.set(U16, 14, (short) b);
    }

    @Override
    public void close() {
        arena.close();
    }
}
