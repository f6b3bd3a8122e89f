package io.jvhost.posix;

/** A system call failed; carries the call's name, what it was acting on, and the errno. */
public final class NativeException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final int errno;

    public NativeException(String call, String subject, int errno) {
        super(call + (subject == null || subject.isEmpty() ? "" : " " + subject) + ": " + Errno.describe(errno));
        this.errno = errno;
    }

    /** The errno value the call reported. */
    public int errno() {
        return errno;
    }
}
