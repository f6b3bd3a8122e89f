package io.jvhost.posix;

import static io.jvhost.posix.Libc.INT;
import static io.jvhost.posix.Libc.LONG;
import static io.jvhost.posix.Libc.PTR;
import static io.jvhost.posix.Libc.fn;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/** mmap, munmap, madvise and memfd_create. */
public final class Memory {
    public static final int PROT_READ = 1, PROT_WRITE = 2;
    public static final int MAP_SHARED = 1, MAP_PRIVATE = 2, MAP_ANONYMOUS = 0x20, MAP_POPULATE = 0x8000,
            MAP_HUGETLB = 0x40000, MAP_LOCKED = 0x2000;
    public static final int MADV_DONTNEED = 4, MADV_REMOVE = 9, MADV_DONTDUMP = 16;
    public static final int MFD_CLOEXEC = 1, MFD_ALLOW_SEALING = 2, MFD_HUGETLB = 4;
    public static final int F_ADD_SEALS = 1033, F_GET_SEALS = 1034;
    public static final int F_SEAL_SEAL = 1, F_SEAL_SHRINK = 2, F_SEAL_GROW = 4;

    private static final MethodHandle MMAP = Libc.withErrno("mmap", fn(PTR, PTR, LONG, INT, INT, INT, LONG));
    private static final MethodHandle MUNMAP = Libc.withErrno("munmap", fn(INT, PTR, LONG));
    private static final MethodHandle MADVISE = Libc.withErrno("madvise", fn(INT, PTR, LONG, INT));
    private static final MethodHandle MEMFD = Libc.withErrno("memfd_create", fn(INT, PTR, INT));
    private static final long MAP_FAILED = -1L;

    private Memory() {
    }

    /**
     * Maps {@code size} bytes of {@code fd} at {@code offset} (fd -1 with MAP_ANONYMOUS); the
     * returned segment has exactly that size and must be released with {@link #munmap}.
     */
    public static MemorySegment mmap(long size, int prot, int flags, int fd, long offset) {
        try {
            MemorySegment st = Libc.state();
            MemorySegment p = (MemorySegment) MMAP.invokeExact(st, MemorySegment.NULL, size, prot, flags, fd, offset);
            if (p.address() == MAP_FAILED) {
                throw new NativeException("mmap", size + " bytes of fd " + fd + " at " + offset, Libc.errno(st));
            }
            return p.reinterpret(size);
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
    }

    public static void munmap(MemorySegment mapping) {
        try {
            MemorySegment st = Libc.state();
            Libc.check((int) MUNMAP.invokeExact(st, mapping, mapping.byteSize()), st, "munmap",
                    mapping.byteSize() + " bytes at 0x" + Long.toHexString(mapping.address()));
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
    }

    public static void madvise(MemorySegment range, int advice) {
        try {
            MemorySegment st = Libc.state();
            Libc.check((int) MADVISE.invokeExact(st, range, range.byteSize(), advice), st, "madvise", "");
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
    }

    /** Creates an anonymous memory file; the caller owns the descriptor. */
    public static Fd memfd(String name, long size) {
        return memfd(name, size, 0);
    }

    /**
     * Creates an anonymous memory file of {@code size} bytes that can neither shrink nor grow (seals
     * shrink, grow and seal), for memory shared with another process that must never turn an access
     * into SIGBUS by truncating it; the caller owns the descriptor.
     */
    public static Fd sealedMemfd(String name, long size) {
        Fd fd = memfd(name, size, MFD_ALLOW_SEALING);
        try {
            Posix.fcntl(fd.fd(), F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL);
        } catch (RuntimeException e) {
            fd.close();
            throw e;
        }
        return fd;
    }

    private static Fd memfd(String name, long size, int flags) {
        int fd;
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = Libc.state();
            fd = (int) Libc.check((int) MEMFD.invokeExact(st, a.allocateFrom(name), MFD_CLOEXEC | flags), st,
                    "memfd_create", name);
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
        Fd owned = new Fd(fd);
        try {
            Posix.ftruncate(fd, size);
        } catch (RuntimeException e) {
            owned.close();
            throw e;
        }
        return owned;
    }

    /** Maps a whole shared file read-write; convenience for memfds and tmpfs files. */
    public static MemorySegment mapShared(int fd, long size) {
        return mmap(size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    }
}
