package io.jvhost.vhostuser.internal;

/** The front-end sent something malformed or unsupported; the session is closed. */
final class ProtocolException extends Exception {
    private static final long serialVersionUID = 1L;

    ProtocolException(String message) {
        super(message);
    }
}
