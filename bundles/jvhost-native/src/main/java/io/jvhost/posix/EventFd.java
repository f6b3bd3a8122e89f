package io.jvhost.posix;

import static io.jvhost.posix.Libc.INT;
import static io.jvhost.posix.Libc.fn;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * A Linux eventfd. {@link #signal()} may be called from any thread and allocates nothing: it is the
 * one syscall on the I/O path (interrupting a guest).
 */
public final class EventFd extends Fd {
    public static final int EFD_NONBLOCK = 04000, EFD_CLOEXEC = 02000000;
    private static final MethodHandle EVENTFD = Libc.withErrno("eventfd", fn(INT, INT, INT));
    /** The value 1, shared read-only by every signalling thread. */
    private static final MemorySegment ONE = Arena.global().allocate(8);

    static {
        ONE.set(ValueLayout.JAVA_LONG, 0, 1L);
    }

    private final MemorySegment drainBuffer = Arena.ofAuto().allocate(8);

    /** Wraps a descriptor received from elsewhere (e.g. a vhost-user kick or call fd). */
    public EventFd(int fd) {
        super(fd);
    }

    /** Creates a new non-blocking eventfd. */
    public static EventFd create() {
        try {
            MemorySegment st = Libc.state();
            int fd = (int) EVENTFD.invokeExact(st, 0, EFD_NONBLOCK | EFD_CLOEXEC);
            return new EventFd((int) Libc.check(fd, st, "eventfd", ""));
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
    }

    /** Adds 1 to the counter, waking a waiter. Returns false if the fd is closed. */
    public boolean signal() {
        int fd = fd();
        if (fd < 0) {
            return false;
        }
        return Posix.write(fd, ONE, 8) == 8;
    }

    /** Reads and resets the counter; returns 0 when nothing was pending. Single reader only. */
    public long drain() {
        long n = Posix.read(fd(), drainBuffer, 8);
        return n == 8 ? drainBuffer.get(ValueLayout.JAVA_LONG, 0) : 0;
    }
}
