package io.jvhost.virtio;

import io.jvhost.memory.GuestMemory;

/**
 * The three areas of one virtqueue at the front-end's addresses, with the checks every binding makes:
 * each aligned as the virtio specification requires, inside one guest memory region, and apart from
 * the other two. Areas that overlap would let the device's used-ring or write-back stores rewrite the
 * driver's descriptors and available ring, so such a layout is refused before the queue starts.
 */
public final class RingAreas {
    private static final int DESC_SIZE = 16;
    private final String[] names;
    private final long[] uaddr;
    private final long[] bytes;
    private final int[] align;

    private RingAreas(String[] names, long[] uaddr, long[] bytes, int[] align) {
        this.names = names;
        this.uaddr = uaddr;
        this.bytes = bytes;
        this.align = align;
    }

    /** A split queue of {@code size} entries: descriptor table, available ring, used ring (virtio 1.2 2.7). */
    public static RingAreas split(int size, long desc, long avail, long used) {
        return new RingAreas(new String[] {"descriptor table", "available ring", "used ring"},
                new long[] {desc, avail, used}, new long[] {(long) DESC_SIZE * size, 6 + 2L * size, 6 + 8L * size},
                new int[] {16, 2, 4});
    }

    /**
     * A packed queue of {@code size} entries: descriptor ring, driver event area (vhost-user's "avail"
     * address) and device event area (the "used" address) (virtio 1.2 2.8).
     */
    public static RingAreas packed(int size, long desc, long driverArea, long deviceArea) {
        return new RingAreas(new String[] {"descriptor ring", "driver event area", "device event area"},
                new long[] {desc, driverArea, deviceArea}, new long[] {(long) DESC_SIZE * size, 4, 4},
                new int[] {16, 4, 4});
    }

    /**
     * Translates the three areas (descriptors, driver area, device area, in that order) into
     * {@code memory}'s handles.
     *
     * @throws IllegalArgumentException naming the area that is misaligned, outside guest memory, or
     *         overlapping another
     */
    public long[] translate(GuestMemory memory) {
        long[] handles = new long[names.length];
        for (int i = 0; i < names.length; i++) {
            handles[i] = memory.translateRing(names[i], uaddr[i], bytes[i], align[i]);
        }
        for (int i = 0; i < names.length; i++) {
            for (int j = i + 1; j < names.length; j++) {
                // both lie inside guest memory now, so start + length cannot wrap
                if (uaddr[i] < uaddr[j] + bytes[j] && uaddr[j] < uaddr[i] + bytes[i]) {
                    throw new IllegalArgumentException("the " + names[j] + " " + where(j) + " overlaps the "
                            + names[i] + " " + where(i));
                }
            }
        }
        return handles;
    }

    private String where(int i) {
        return "(0x" + Long.toHexString(uaddr[i]) + ", " + bytes[i] + " bytes)";
    }
}
