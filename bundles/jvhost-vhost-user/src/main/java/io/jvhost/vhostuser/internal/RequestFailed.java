package io.jvhost.vhostuser.internal;

/**
 * A well-formed request that could not be carried out: the front-end gets a failure reply when it
 * asked for one (REPLY_ACK), and the session goes on; without an ack the session ends.
 */
final class RequestFailed extends Exception {
    private static final long serialVersionUID = 1L;

    RequestFailed(String message) {
        super(message);
    }
}
