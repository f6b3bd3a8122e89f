package io.jvhost.memory;

/**
 * One region of a front-end's memory table.
 *
 * @param guestPhysAddr where the region starts in guest-physical space
 * @param size its length in bytes
 * @param userAddr where the front-end mapped it in its own address space (ring addresses use this)
 * @param mmapOffset offset of the region within the file descriptor
 */
public record MemoryRegion(long guestPhysAddr, long size, long userAddr, long mmapOffset) {
    public boolean overlapsGuest(MemoryRegion o) {
        return Long.compareUnsigned(guestPhysAddr, o.guestPhysAddr + o.size) < 0
                && Long.compareUnsigned(o.guestPhysAddr, guestPhysAddr + size) < 0;
    }
}
