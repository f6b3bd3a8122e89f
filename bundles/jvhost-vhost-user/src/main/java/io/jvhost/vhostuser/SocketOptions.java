package io.jvhost.vhostuser;

/**
 * Who may connect to a controller's socket: the socket file's ownership and mode (QEMU often runs as
 * another user) and how many front-ends may be connected at once.
 *
 * @param mode permission bits, 0600 unless configured
 * @param owner user name or null to keep
 * @param group group name or null to keep
 * @param maxSessions front-ends served at once, 1 unless configured (more only for devices that
 *        {@linkplain VhostUserDevice#servesSeveralFrontEnds() serve several}); later ones are refused
 */
public record SocketOptions(int mode, String owner, String group, int maxSessions) {
    public static final SocketOptions DEFAULT = new SocketOptions(0600, null, null, 1);
    /** The most front-ends one controller may be configured to serve at once. */
    public static final int MAX_SESSIONS = 64;
    /** The config-method params that set these options. */
    public static final java.util.Set<String> PARAMS = java.util.Set.of("socket_mode", "socket_owner", "socket_group",
            "max_sessions");

    /**
     * Reads {@code socket_mode} (octal string such as "0660"), {@code socket_owner},
     * {@code socket_group} and {@code max_sessions} from a controller-creating method's params.
     *
     * @throws io.jvhost.config.MethodException invalid params for a mode that is not octal or a
     *         session limit outside 1 to {@link #MAX_SESSIONS}
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
        long sessions = p.has("max_sessions") ? p.integer("max_sessions") : DEFAULT.maxSessions();
        if (sessions < 1 || sessions > MAX_SESSIONS) {
            throw io.jvhost.config.MethodException.invalidParams(p.method() + ": max_sessions " + sessions
                    + " is not between 1 and " + MAX_SESSIONS);
        }
        return new SocketOptions(mode, p.string("socket_owner", null), p.string("socket_group", null), (int) sessions);
    }
}
