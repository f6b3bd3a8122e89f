package io.jvhost.vhostuser.internal;

import static io.jvhost.virtio.Layouts.U32;
import static io.jvhost.virtio.Layouts.U64;

import static io.jvhost.vhostuser.internal.Protocol.ADD_MEM_REG;
import static io.jvhost.vhostuser.internal.Protocol.REM_MEM_REG;

import io.jvhost.memory.MemoryRegistry;
import io.jvhost.posix.Fd;
import io.jvhost.posix.NativeException;
import io.jvhost.memory.GuestMemory;
import io.jvhost.memory.MemoryRegion;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * A session's guest memory map: decodes SET_MEM_TABLE, ADD_MEM_REG and REM_MEM_REG into the next
 * map, and registers the map in force with the memory registry (so DMA-capable bdev modules map it
 * for zero copy). Swapping maps is the session's job: it stops the rings first. Session thread only.
 */
final class MemoryTable {
    private final String controller;
    private final Supplier<MemoryRegistry> registry;
    private final List<MemoryRegistry.Registration> registrations = new ArrayList<>();
    private GuestMemory memory = GuestMemory.empty();

    MemoryTable(String controller, Supplier<MemoryRegistry> registry) {
        this.controller = controller;
        this.registry = registry;
    }

    GuestMemory current() {
        return memory;
    }

    /** SET_MEM_TABLE: maps every region anew (one fd per region). */
    GuestMemory decodeTable(MemorySegment p, List<Fd> fds) throws ProtocolException, RequestFailed {
        if (p.byteSize() < 8) {
            throw new ProtocolException("SET_MEM_TABLE shorter than its header");
        }
        int n = p.get(U32, 0);
        if (n < 0 || n > 8 || p.byteSize() != 8 + 32L * n) {
            throw new ProtocolException("SET_MEM_TABLE with " + n + " regions in a " + p.byteSize() + "-byte payload");
        }
        if (fds.size() != n) {
            throw new ProtocolException("SET_MEM_TABLE with " + n + " regions but " + fds.size() + " descriptors");
        }
        List<MemoryRegion> regions = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            regions.add(region(p, 8 + 32L * i));
        }
        try {
            return GuestMemory.map(regions, fds);
        } catch (RuntimeException e) {
            throw new RequestFailed("cannot map guest memory: " + e.getMessage());
        }
    }

    /** ADD_MEM_REG: the current map plus one region. */
    GuestMemory decodeAdd(MemorySegment p, List<Fd> fds) throws ProtocolException, RequestFailed {
        Payloads.expect(ADD_MEM_REG, p, 40);
        if (fds.size() != 1) {
            throw new ProtocolException("ADD_MEM_REG with " + fds.size() + " descriptors (expected 1)");
        }
        try {
            return memory.with(region(p, 8), fds.get(0));
        } catch (IllegalArgumentException | NativeException e) {
            throw new RequestFailed("cannot add memory region: " + e.getMessage());
        }
    }

    /** REM_MEM_REG: the current map less one region. */
    GuestMemory decodeRemove(MemorySegment p) throws ProtocolException, RequestFailed {
        Payloads.expect(REM_MEM_REG, p, 40);
        try {
            return memory.without(region(p, 8));
        } catch (IllegalArgumentException e) {
            throw new RequestFailed(e.getMessage());
        }
    }

    private static MemoryRegion region(MemorySegment p, long at) {
        return new MemoryRegion(p.get(U64, at), p.get(U64, at + 8), p.get(U64, at + 16), p.get(U64, at + 24));
    }

    /**
     * Puts {@code next} in force and announces it; returns the map it replaces, which the caller
     * unmaps once nothing uses it. No ring may be running.
     */
    GuestMemory swap(GuestMemory next) {
        GuestMemory old = memory;
        withdraw();
        memory = next;
        MemoryRegistry r = registry.get();
        if (r != null) {
            for (int i = 0; i < next.regionCount(); i++) {
                registrations.add(r.register(next.view(i), "vhost controller " + controller));
            }
        }
        return old;
    }

    /** Withdraws the map from the registry (returns once DMA users let go of it). */
    void withdraw() {
        registrations.forEach(MemoryRegistry.Registration::close);
        registrations.clear();
    }
}
