package io.jvhost.posix;

import java.util.concurrent.atomic.AtomicInteger;

/** An owned file descriptor whose {@link #close()} is idempotent and safe from any thread. */
public class Fd implements AutoCloseable {
    private final AtomicInteger fd;

    public Fd(int fd) {
        if (fd < 0) {
            throw new IllegalArgumentException("invalid file descriptor " + fd);
        }
        this.fd = new AtomicInteger(fd);
    }

    /** The descriptor number, or -1 once closed. */
    public final int fd() {
        return fd.get();
    }

    public final boolean isOpen() {
        return fd.get() >= 0;
    }

    /** Gives up ownership without closing; returns the number. */
    public final int release() {
        return fd.getAndSet(-1);
    }

    @Override
    public void close() {
        int old = fd.getAndSet(-1);
        if (old >= 0) {
            Posix.close(old);
        }
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "(fd " + fd.get() + ")";
    }
}
