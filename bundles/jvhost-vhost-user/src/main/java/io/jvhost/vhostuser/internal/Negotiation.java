package io.jvhost.vhostuser.internal;

import static io.jvhost.vhostuser.internal.Protocol.FLAG_NEED_REPLY;
import static io.jvhost.vhostuser.internal.Protocol.PF_REPLY_ACK;

import io.jvhost.vhostuser.VhostUserDevice;
import io.jvhost.virtio.VirtioFeatures;

/**
 * What one session agreed with its front-end: the virtio features offered and accepted, the
 * protocol features, and the device status. Session thread only.
 */
final class Negotiation {
    private final long offeredFeatures;
    private final long offeredProtocolFeatures;
    private long features;
    private boolean featuresSet;
    private long protocolFeatures;
    private long status;

    Negotiation(VhostUserDevice device) {
        offeredFeatures = device.deviceFeatures() | VirtioFeatures.bit(VirtioFeatures.VERSION_1)
                | VirtioFeatures.bit(VirtioFeatures.PROTOCOL_FEATURES) | VirtioFeatures.bit(VirtioFeatures.RING_EVENT_IDX)
                | VirtioFeatures.bit(VirtioFeatures.RING_INDIRECT_DESC)
                | (device.offersPackedRing() ? VirtioFeatures.bit(VirtioFeatures.RING_PACKED) : 0);
        offeredProtocolFeatures = device.servesConfigSpace() ? Protocol.PROTOCOL_FEATURES
                : Protocol.PROTOCOL_FEATURES & ~(1L << Protocol.PF_CONFIG);
    }

    long offeredFeatures() {
        return offeredFeatures;
    }

    long offeredProtocolFeatures() {
        return offeredProtocolFeatures;
    }

    /** SET_FEATURES: only what was offered. */
    void setFeatures(long f) throws RequestFailed {
        if ((f & ~offeredFeatures) != 0) {
            throw new RequestFailed("features 0x" + Long.toHexString(f & ~offeredFeatures) + " were not offered");
        }
        features = f;
        featuresSet = true;
    }

    /** SET_PROTOCOL_FEATURES: only what was offered. */
    void setProtocolFeatures(long pf) throws RequestFailed {
        if ((pf & ~offeredProtocolFeatures) != 0) {
            throw new RequestFailed("protocol features 0x" + Long.toHexString(pf & ~offeredProtocolFeatures)
                    + " were not offered");
        }
        protocolFeatures = pf;
    }

    long features() {
        return features;
    }

    boolean featuresSet() {
        return featuresSet;
    }

    boolean has(int virtioBit) {
        return VirtioFeatures.has(features, virtioBit);
    }

    boolean hasProtocol(int bit) {
        return (protocolFeatures & (1L << bit)) != 0;
    }

    /** Without VHOST_USER_F_PROTOCOL_FEATURES rings run as soon as they are set up (no SET_VRING_ENABLE). */
    boolean ringsStartEnabled() {
        return !has(VirtioFeatures.PROTOCOL_FEATURES);
    }

    /** Whether a message without a reply of its own gets a REPLY_ACK answer. */
    boolean wantsAck(int request, int flags) {
        return (flags & FLAG_NEED_REPLY) != 0 && hasProtocol(PF_REPLY_ACK) && !Protocol.hasReply(request);
    }

    long status() {
        return status;
    }

    void setStatus(long s) {
        status = s;
    }

    /** RESET_OWNER / RESET_DEVICE: features and status start over (protocol features stay). */
    void resetDevice() {
        features = 0;
        featuresSet = false;
        status = 0;
    }
}
