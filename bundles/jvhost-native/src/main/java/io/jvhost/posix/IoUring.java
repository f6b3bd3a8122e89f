package io.jvhost.posix;

import static io.jvhost.posix.Libc.INT;
import static io.jvhost.posix.Libc.LONG;
import static io.jvhost.posix.Libc.PTR;
import static io.jvhost.posix.Libc.fn;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * An io_uring instance with its rings mapped, driven by one thread. Entries are prepared into the
 * submission ring without syscalls; {@link #submit()} makes one io_uring_enter for the whole batch;
 * completions are polled from the completion ring without syscalls.
 */
public final class IoUring extends Fd {
    public static final byte OP_NOP = 0, OP_READV = 1, OP_WRITEV = 2, OP_FSYNC = 3, OP_FALLOCATE = 17, OP_READ = 22,
            OP_WRITE = 23;
    public static final int FSYNC_DATASYNC = 1;

    /** Receives one completion: the user data given at preparation and the result (bytes or -errno). */
    @FunctionalInterface
    public interface CompletionHandler {
        void onCompletion(long userData, int result);
    }

    private static final long SYS_IO_URING_SETUP = 425, SYS_IO_URING_ENTER = 426;
    private static final long OFF_SQ_RING = 0, OFF_CQ_RING = 0x8000000L, OFF_SQES = 0x10000000L;
    private static final int FEAT_SINGLE_MMAP = 1, ENTER_GETEVENTS = 1;
    private static final int PARAMS_SIZE = 120, SQE_SIZE = 64, CQE_SIZE = 16;
    private static final VarHandle INT_HANDLE = ValueLayout.JAVA_INT.varHandle();

    private static final long SYS_IO_URING_REGISTER = 427;
    private static final int REGISTER_EVENTFD = 4;
    private static final MethodHandle REGISTER = Libc.withErrno("syscall", fn(LONG, LONG, INT, INT, PTR, INT),
            Libc.variadicFrom(1));
    private static final MethodHandle SETUP = Libc.withErrno("syscall", fn(LONG, LONG, INT, PTR), Libc.variadicFrom(1));
    private static final MethodHandle ENTER = Libc.withErrno("syscall",
            fn(LONG, LONG, INT, INT, INT, INT, PTR, LONG), Libc.variadicFrom(1));
    /**
     * io_uring_enter without errno capture, the call made per batch: a captured-state call allocates
     * unless C2 inlined all of it, which it does not do reliably on a path as cold as depth 1.
     */
    private static final MethodHandle ENTER_PLAIN = Libc.plain("syscall",
            fn(LONG, LONG, INT, INT, INT, INT, PTR, LONG), Libc.variadicFrom(1));

    private final MemorySegment sqRing;
    private final MemorySegment cqRing;
    private final MemorySegment sqes;
    private final boolean singleMap;
    private final long sqHeadOff, sqTailOff, cqHeadOff, cqTailOff, cqesOff;
    private final int sqMask, cqMask, sqEntries;
    private int sqTail;
    private int pendingSubmit;

    private IoUring(int fd, MemorySegment params) {
        super(fd);
        sqEntries = params.get(ValueLayout.JAVA_INT, 0);
        int cqEntries = params.get(ValueLayout.JAVA_INT, 4);
        int features = params.get(ValueLayout.JAVA_INT, 20);
        long sqOff = 40, cqOff = 80;
        sqHeadOff = params.get(ValueLayout.JAVA_INT, sqOff);
        sqTailOff = params.get(ValueLayout.JAVA_INT, sqOff + 4);
        long sqArrayOff = params.get(ValueLayout.JAVA_INT, sqOff + 24);
        cqHeadOff = params.get(ValueLayout.JAVA_INT, cqOff);
        cqTailOff = params.get(ValueLayout.JAVA_INT, cqOff + 4);
        cqesOff = params.get(ValueLayout.JAVA_INT, cqOff + 20);
        long sqSize = sqArrayOff + 4L * sqEntries;
        long cqSize = cqesOff + (long) CQE_SIZE * cqEntries;
        singleMap = (features & FEAT_SINGLE_MMAP) != 0;
        int prot = Memory.PROT_READ | Memory.PROT_WRITE;
        int flags = Memory.MAP_SHARED | Memory.MAP_POPULATE;
        if (singleMap) {
            sqRing = Memory.mmap(Math.max(sqSize, cqSize), prot, flags, fd, OFF_SQ_RING);
            cqRing = sqRing;
        } else {
            sqRing = Memory.mmap(sqSize, prot, flags, fd, OFF_SQ_RING);
            cqRing = Memory.mmap(cqSize, prot, flags, fd, OFF_CQ_RING);
        }
        sqes = Memory.mmap((long) SQE_SIZE * sqEntries, prot, flags, fd, OFF_SQES);
        sqMask = sqRing.get(ValueLayout.JAVA_INT, params.get(ValueLayout.JAVA_INT, sqOff + 8));
        cqMask = cqRing.get(ValueLayout.JAVA_INT, params.get(ValueLayout.JAVA_INT, cqOff + 8));
        for (int i = 0; i < sqEntries; i++) {
            sqRing.set(ValueLayout.JAVA_INT, sqArrayOff + 4L * i, i);
        }
        sqTail = (int) INT_HANDLE.getAcquire(sqRing, sqTailOff);
    }

    /** Creates a ring with at least {@code entries} submission entries (a power of two up to 32768). */
    public static IoUring create(int entries) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment params = a.allocate(PARAMS_SIZE, 8);
            MemorySegment st = Libc.state();
            long fd = (long) SETUP.invokeExact(st, SYS_IO_URING_SETUP, entries, params);
            Libc.check(fd, st, "io_uring_setup", entries + " entries");
            try {
                return new IoUring((int) fd, params);
            } catch (RuntimeException e) {
                Posix.close((int) fd);
                throw e;
            }
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
    }

    /** Has the kernel signal {@code eventFd} whenever it posts a completion (IORING_REGISTER_EVENTFD). */
    public void registerEventFd(EventFd eventFd) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment arg = a.allocateFrom(ValueLayout.JAVA_INT, eventFd.fd());
            MemorySegment st = Libc.state();
            Libc.check((long) REGISTER.invokeExact(st, SYS_IO_URING_REGISTER, fd(), REGISTER_EVENTFD, arg, 1), st,
                    "io_uring_register(EVENTFD)", "ring fd " + fd());
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
    }

    /** True when completions are waiting to be reaped. */
    public boolean hasCompletions() {
        return (int) INT_HANDLE.getAcquire(cqRing, cqTailOff) != (int) INT_HANDLE.get(cqRing, cqHeadOff);
    }

    /** Submission entries that can be prepared before the ring is full. */
    public int freeSlots() {
        int head = (int) INT_HANDLE.getAcquire(sqRing, sqHeadOff);
        return sqEntries - (sqTail - head);
    }

    /**
     * Prepares one entry; returns false (and prepares nothing) when the submission ring is full.
     * {@code addr} is a buffer or an iovec array, {@code len} its byte length or iovec count.
     */
    public boolean prepare(byte opcode, int fd, long addr, int len, long offset, int opFlags, long userData) {
        if (freeSlots() == 0) {
            return false;
        }
        long sqe = (long) (sqTail & sqMask) * SQE_SIZE;
        for (int i = 0; i < SQE_SIZE; i += 8) {
            sqes.set(ValueLayout.JAVA_LONG, sqe + i, 0L); // word stores: a slice to fill would be an object
        }
        sqes.set(ValueLayout.JAVA_BYTE, sqe, opcode);
        sqes.set(ValueLayout.JAVA_INT, sqe + 4, fd);
        sqes.set(ValueLayout.JAVA_LONG, sqe + 8, offset);
        sqes.set(ValueLayout.JAVA_LONG, sqe + 16, addr);
        sqes.set(ValueLayout.JAVA_INT, sqe + 24, len);
        sqes.set(ValueLayout.JAVA_INT, sqe + 28, opFlags);
        sqes.set(ValueLayout.JAVA_LONG, sqe + 32, userData);
        sqTail++;
        // Publish the entry before the kernel can see the new tail.
        INT_HANDLE.setRelease(sqRing, sqTailOff, sqTail);
        pendingSubmit++;
        return true;
    }

    /** Entries prepared but not yet passed to the kernel. */
    public int pending() {
        return pendingSubmit;
    }

    /** Passes every prepared entry to the kernel with one syscall; returns how many it took. */
    public int submit() {
        return enter(0, 0);
    }

    /** Submits and blocks until at least {@code minComplete} completions are available. */
    public int submitAndWait(int minComplete) {
        return enter(minComplete, ENTER_GETEVENTS);
    }

    private int enter(int minComplete, int flags) {
        if (pendingSubmit == 0 && minComplete == 0) {
            return 0;
        }
        try {
            long n = (long) ENTER_PLAIN.invokeExact(SYS_IO_URING_ENTER, fd(), pendingSubmit, minComplete, flags,
                    MemorySegment.NULL, 0L);
            MemorySegment st = null;
            if (n < 0) {
                // a failed enter consumed nothing, so it is simply made again, this time keeping errno:
                // a transient failure (EAGAIN, EBUSY, EINTR) may pass now, a lasting one fails the same way
                st = Libc.state();
                n = (long) ENTER.invokeExact(st, SYS_IO_URING_ENTER, fd(), pendingSubmit, minComplete, flags,
                        MemorySegment.NULL, 0L);
            }
            if (n < 0) {
                int e = Libc.errno(st);
                if (e == Errno.EAGAIN || e == Errno.EBUSY || e == Errno.EINTR) {
                    return 0;
                }
                throw new NativeException("io_uring_enter", "ring fd " + fd(), e);
            }
            pendingSubmit -= (int) n;
            return (int) n;
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
    }

    /** Hands every available completion to {@code handler}; returns how many there were. */
    public int reap(CompletionHandler handler) {
        int head = (int) INT_HANDLE.get(cqRing, cqHeadOff);
        int tail = (int) INT_HANDLE.getAcquire(cqRing, cqTailOff);
        int count = tail - head;
        if (count == 0) {
            return 0;
        }
        try {
            for (int h = head; h != tail; h++) {
                long cqe = cqesOff + (long) (h & cqMask) * CQE_SIZE;
                handler.onCompletion(cqRing.get(ValueLayout.JAVA_LONG, cqe), cqRing.get(ValueLayout.JAVA_INT, cqe + 8));
            }
        } finally {
            INT_HANDLE.setRelease(cqRing, cqHeadOff, tail);
        }
        return count;
    }

    @Override
    public void close() {
        if (isOpen()) {
            Memory.munmap(sqes);
            Memory.munmap(sqRing);
            if (!singleMap) {
                Memory.munmap(cqRing);
            }
        }
        super.close();
    }
}
