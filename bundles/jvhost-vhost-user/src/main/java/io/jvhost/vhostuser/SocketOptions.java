package io.jvhost.vhostuser;

/**
 * Ownership of a controller's socket file, since QEMU often runs as another user.
 *
 * @param mode permission bits, 0600 unless configured
 * @param owner user name or null to keep
 * @param group group name or null to keep
 */
public record SocketOptions(int mode, String owner, String group) {
    public static final SocketOptions DEFAULT = new SocketOptions(0600, null, null);
}
