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
    /** The config-method params that set these options. */
    public static final java.util.Set<String> PARAMS = java.util.Set.of("socket_mode", "socket_owner", "socket_group");

    /**
     * Reads {@code socket_mode} (octal string such as "0660"), {@code socket_owner} and
     * {@code socket_group} from a controller-creating method's params.
     *
     * @throws io.jvhost.config.MethodException invalid params for a mode that is not octal
     */
    public static SocketOptions from(io.jvhost.config.Params p) {
        int mode = DEFAULT.mode();
        if (p.has("socket_mode")) {
            String m = p.string("socket_mode");
            try {
                mode = Integer.parseInt(m, 8);
            } catch (NumberFormatException e) {
                mode = -1;
            }
            if (mode < 0 || mode > 0777) {
                throw io.jvhost.config.MethodException.invalidParams(p.method() + ": socket_mode '" + m
                        + "' is not an octal mode such as 0660");
            }
        }
        return new SocketOptions(mode, p.string("socket_owner", null), p.string("socket_group", null));
    }
}
