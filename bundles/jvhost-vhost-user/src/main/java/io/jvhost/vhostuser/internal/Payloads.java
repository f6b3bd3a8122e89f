package io.jvhost.vhostuser.internal;

import static io.jvhost.vhostuser.internal.Protocol.name;

import java.lang.foreign.MemorySegment;

/** Checks of message payload sizes, shared by the parts of a session that decode messages. */
final class Payloads {
    private Payloads() {
    }

    /** Refuses a payload that is not exactly {@code size} bytes: a malformed message ends the session. */
    static void expect(int request, MemorySegment p, long size) throws ProtocolException {
        if (p.byteSize() != size) {
            throw new ProtocolException(name(request) + " with a " + p.byteSize() + "-byte payload (expected " + size + ")");
        }
    }
}
