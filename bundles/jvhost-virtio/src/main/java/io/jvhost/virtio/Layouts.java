package io.jvhost.virtio;

import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * The value layouts of virtio and vhost-user structures, in one place: everything is little-endian;
 * payload fields may be unaligned; ring indices and flags are aligned 16-bit words accessed with
 * acquire/release ordering through {@link #U16_ATOMIC}.
 */
public final class Layouts {
    public static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    public static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    public static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    /** (segment, offset) -> short, for ring indices and descriptor flags shared with the other side. */
    public static final VarHandle U16_ATOMIC = ValueLayout.JAVA_SHORT.withOrder(ByteOrder.LITTLE_ENDIAN).varHandle();

    private Layouts() {
    }
}
