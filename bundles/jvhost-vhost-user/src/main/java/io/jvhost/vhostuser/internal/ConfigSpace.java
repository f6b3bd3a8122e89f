package io.jvhost.vhostuser.internal;

import static io.jvhost.virtio.Layouts.U32;

import static io.jvhost.vhostuser.internal.Protocol.MAX_CONFIG_SIZE;
import static io.jvhost.vhostuser.internal.Protocol.name;

import io.jvhost.vhostuser.VhostUserDevice;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * GET_CONFIG and SET_CONFIG: the {offset, size, flags} header checked against the config space's
 * bounds, then the device's bytes. Session thread only.
 */
final class ConfigSpace {
    private final VhostUserDevice device;

    ConfigSpace(VhostUserDevice device) {
        this.device = device;
    }

    private static int header(int request, MemorySegment p) throws ProtocolException {
        if (p.byteSize() < 12) {
            throw new ProtocolException(name(request) + " shorter than its header");
        }
        int offset = p.get(U32, 0);
        int size = p.get(U32, 4);
        if (offset < 0 || size < 0 || size > MAX_CONFIG_SIZE || offset > MAX_CONFIG_SIZE - size
                || p.byteSize() != 12L + size) {
            throw new ProtocolException(name(request) + " for " + Integer.toUnsignedString(size) + " bytes at offset "
                    + Integer.toUnsignedString(offset) + " in a " + p.byteSize() + "-byte payload");
        }
        return offset;
    }

    /** GET_CONFIG: the reply payload, the request's header followed by exactly the bytes asked for. */
    MemorySegment read(int request, MemorySegment p) throws ProtocolException {
        int offset = header(request, p);
        int size = p.get(U32, 4);
        byte[] data = new byte[size];
        device.readConfig(offset, data);
        MemorySegment reply = MemorySegment.ofArray(new byte[12 + size]);
        MemorySegment.copy(p, 0, reply, 0, 12);
        MemorySegment.copy(data, 0, reply, ValueLayout.JAVA_BYTE, 12, size);
        return reply;
    }

    /** SET_CONFIG: the device refuses what it does not allow. */
    void write(int request, MemorySegment p) throws ProtocolException, RequestFailed {
        int offset = header(request, p);
        byte[] data = p.asSlice(12, p.get(U32, 4)).toArray(ValueLayout.JAVA_BYTE);
        try {
            device.writeConfig(offset, data);
        } catch (IllegalArgumentException e) {
            throw new RequestFailed("SET_CONFIG: " + e.getMessage());
        }
    }
}
