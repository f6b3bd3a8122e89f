package io.jvhost.virtio;

/** Transport feature bits (virtio 1.2 section 6) and their masks. */
public final class VirtioFeatures {
    public static final int RING_INDIRECT_DESC = 28, RING_EVENT_IDX = 29, VERSION_1 = 32, RING_PACKED = 34;
    /** vhost: the front-end may log dirty pages. */
    public static final int LOG_ALL = 26;
    /** vhost-user: protocol features are negotiated (rings then start disabled). */
    public static final int PROTOCOL_FEATURES = 30;

    private VirtioFeatures() {
    }

    public static long bit(int n) {
        return 1L << n;
    }

    public static boolean has(long features, int n) {
        return (features & (1L << n)) != 0;
    }
}
