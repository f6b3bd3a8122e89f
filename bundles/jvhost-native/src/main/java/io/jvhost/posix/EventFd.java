package io.jvhost.posix;

import static io.jvhost.posix.Libc.INT;
import static io.jvhost.posix.Libc.LONG;
import static io.jvhost.posix.Libc.PTR;
import static io.jvhost.posix.Libc.fn;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * A Linux eventfd, owned by one thread at a time: the owner drains and closes it; ownership moves
 * with a command on the new owner's queue (a reactor that takes over a call fd closes it itself).
 * Other threads may {@link #signal()} while the owner keeps it open, and the owner closes it only
 * after they have acknowledged that they stopped, so the number written is never another file's.
 * The number is final and the state plain fields: nothing here is shared mutable state. Signalling
 * allocates nothing: it is the one syscall on the I/O path (interrupting a guest).
 */
public final class EventFd implements AutoCloseable {
    public static final int EFD_NONBLOCK = 04000, EFD_CLOEXEC = 02000000;
    private static final MethodHandle EVENTFD = Libc.withErrno("eventfd", fn(INT, INT, INT));
    /** write(2) without errno capture: a signal either adds 1 or reports that it could not. */
    private static final MethodHandle SIGNAL = Libc.plain("write", fn(LONG, INT, PTR, LONG));
    private static final MethodHandle DRAIN = Libc.withErrno("read", fn(LONG, INT, PTR, LONG));
    /**
     * read(2) without errno capture: a reactor drains its wake fd on a path too cold for C2, and below
     * C2 a captured-state call allocates. Only a failed read is asked again with errno.
     */
    private static final MethodHandle DRAIN_PLAIN = Libc.plain("read", fn(LONG, INT, PTR, LONG));
    /** The value 1, shared read-only by every signalling thread. */
    private static final MemorySegment ONE = Arena.global().allocate(8);

    static {
        ONE.set(ValueLayout.JAVA_LONG, 0, 1L);
    }

    private final int fd;
    /** The owner's scratch for drain(): the counter read and the errno its read captured. */
    private final MemorySegment counter;
    private final MemorySegment drainState;
    private boolean closed;

    /** Takes ownership of a descriptor received from elsewhere (e.g. a vhost-user kick or call fd). */
    public EventFd(int fd) {
        if (fd < 0) {
            throw new IllegalArgumentException("invalid eventfd descriptor " + fd);
        }
        this.fd = fd;
        Arena arena = Arena.ofAuto();
        this.counter = arena.allocate(8);
        this.drainState = Libc.newState(arena);
    }

    /** Creates a new non-blocking, close-on-exec eventfd. */
    public static EventFd create() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = Libc.newState(a);
            int fd = (int) EVENTFD.invokeExact(st, 0, EFD_NONBLOCK | EFD_CLOEXEC);
            return new EventFd((int) Libc.check(fd, st, "eventfd", ""));
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
    }

    /** The descriptor number, or -1 once the owner closed it. */
    public int fd() {
        return closed ? -1 : fd;
    }

    public boolean isOpen() {
        return !closed;
    }

    /** Adds 1 to the counter, waking a waiter. Returns false when the write failed or the owner closed it. */
    public boolean signal() {
        if (closed) {
            return false;
        }
        try {
            return (long) SIGNAL.invokeExact(fd, ONE, 8L) == 8;
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
    }

    /** Reads and resets the counter; returns 0 when nothing was pending. Owner only; allocates nothing when it reads. */
    public long drain() {
        try {
            if ((long) DRAIN_PLAIN.invokeExact(fd, counter, 8L) == 8) {
                return counter.get(ValueLayout.JAVA_LONG, 0);
            }
            // nothing read: read again with errno to tell "nothing pending" (EAGAIN) from a failure
            long n = (long) DRAIN.invokeExact(drainState, fd, counter, 8L);
            if (n == 8) {
                return counter.get(ValueLayout.JAVA_LONG, 0);
            }
            int errno = Libc.errno(drainState);
            if (n == -1 && errno != Errno.EAGAIN && errno != Errno.EINTR) {
                throw new NativeException("read", "eventfd " + fd, errno);
            }
            return 0;
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
    }

    /** Closes the descriptor once; owner only. */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            Posix.close(fd);
        }
    }

    @Override
    public String toString() {
        return "EventFd(fd " + fd + (closed ? ", closed)" : ")");
    }
}
