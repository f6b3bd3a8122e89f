package io.jvhost.posix;

import static io.jvhost.posix.Libc.INT;
import static io.jvhost.posix.Libc.PTR;
import static io.jvhost.posix.Libc.fn;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * An epoll instance. Interest changes may come from any thread; {@link #await(int)} and the result
 * accessors belong to the one thread that waits.
 */
public final class Epoll extends Fd {
    public static final int EPOLLIN = 0x1, EPOLLOUT = 0x4, EPOLLERR = 0x8, EPOLLHUP = 0x10, EPOLLRDHUP = 0x2000,
            EPOLLET = 0x80000000;
    private static final int CTL_ADD = 1, CTL_DEL = 2, CTL_MOD = 3;
    /** struct epoll_event is packed on x86-64: u32 events, u64 data. */
    private static final int EVENT_SIZE = 12;
    private static final ValueLayout.OfLong DATA = ValueLayout.JAVA_LONG_UNALIGNED;

    private static final MethodHandle CREATE = Libc.withErrno("epoll_create1", fn(INT, INT));
    private static final MethodHandle CTL = Libc.withErrno("epoll_ctl", fn(INT, INT, INT, INT, PTR));
    private static final MethodHandle WAIT = Libc.withErrno("epoll_wait", fn(INT, INT, PTR, INT, INT));
    /**
     * epoll_wait(2) without errno capture, for the reactor's sleep: that path runs too seldom to be
     * compiled by C2, and below C2 a captured-state call allocates (the JDK slices the state segment).
     */
    private static final int INTERRUPTED_RETRIES = 16;
    private static final MethodHandle WAIT_PLAIN = Libc.plain("epoll_wait", fn(INT, INT, PTR, INT, INT));

    private final MemorySegment events;
    private final int capacity;

    private Epoll(int fd, int capacity) {
        super(fd);
        this.capacity = capacity;
        this.events = Arena.ofAuto().allocate((long) capacity * EVENT_SIZE, 8);
    }

    /** Creates an epoll instance that reports up to {@code capacity} events per wait. */
    public static Epoll create(int capacity) {
        try {
            MemorySegment st = Libc.state();
            int fd = (int) CREATE.invokeExact(st, EventFd.EFD_CLOEXEC);
            return new Epoll((int) Libc.check(fd, st, "epoll_create1", ""), capacity);
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
    }

    /** Watches {@code target} for {@code interest}; {@code data} comes back with each event. */
    public void add(int target, int interest, long data) {
        ctl(CTL_ADD, target, interest, data);
    }

    public void modify(int target, int interest, long data) {
        ctl(CTL_MOD, target, interest, data);
    }

    /** Stops watching {@code target}; a descriptor already closed is ignored. */
    public void remove(int target) {
        try {
            ctl(CTL_DEL, target, 0, 0);
        } catch (NativeException e) {
            if (e.errno() != Errno.EBADF && e.errno() != Errno.ENOENT) {
                throw e;
            }
        }
    }

    private void ctl(int op, int target, int interest, long data) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment ev = a.allocate(EVENT_SIZE, 8);
            ev.set(ValueLayout.JAVA_INT, 0, interest);
            ev.set(DATA, 4, data);
            MemorySegment st = Libc.state();
            Libc.check((int) CTL.invokeExact(st, fd(), op, target, ev), st, "epoll_ctl", "fd " + target);
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
    }

    /**
     * Waits up to {@code timeoutMillis} (-1 forever); returns how many events are ready (0 on EINTR).
     * Allocates nothing unless the wait fails for good.
     */
    public int await(int timeoutMillis) {
        try {
            int n = (int) WAIT_PLAIN.invokeExact(fd(), events, capacity, timeoutMillis);
            if (n >= 0) {
                return n;
            }
            // A wait ends in EINTR whenever io_uring runs task work on this thread (each aio completion
            // while asleep), so that case must stay free of allocation too: asked again without waiting,
            // an interrupted wait returns (a few tries, as completions may interrupt the retry too);
            // only a lasting error (EBADF, EINVAL, EFAULT) keeps failing, and is then asked once more
            // with errno kept, to be reported.
            for (int i = 0; i < INTERRUPTED_RETRIES; i++) {
                n = (int) WAIT_PLAIN.invokeExact(fd(), events, capacity, 0);
                if (n >= 0) {
                    return n;
                }
            }
            MemorySegment st = Libc.state();
            n = (int) WAIT.invokeExact(st, fd(), events, capacity, 0);
            if (n < 0) {
                if (Libc.errno(st) == Errno.EINTR) {
                    return 0;
                }
                throw new NativeException("epoll_wait", "epoll fd " + fd(), Libc.errno(st));
            }
            return n;
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
    }

    /** The data word registered for the i-th ready event of the last wait. */
    public long data(int i) {
        return events.get(DATA, (long) i * EVENT_SIZE + 4);
    }

    /** The ready-event mask of the i-th ready event of the last wait. */
    public int readyEvents(int i) {
        return events.get(ValueLayout.JAVA_INT_UNALIGNED, (long) i * EVENT_SIZE);
    }
}
