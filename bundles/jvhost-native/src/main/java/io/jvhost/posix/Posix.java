package io.jvhost.posix;

import static io.jvhost.posix.Libc.INT;
import static io.jvhost.posix.Libc.LONG;
import static io.jvhost.posix.Libc.PTR;
import static io.jvhost.posix.Libc.fn;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/** Plain file-descriptor calls: open, close, read and write at offsets, sizes, ioctl, ownership. */
public final class Posix {
    public static final int O_RDONLY = 0, O_WRONLY = 1, O_RDWR = 2, O_CREAT = 0100, O_EXCL = 0200,
            O_TRUNC = 01000, O_NONBLOCK = 04000, O_DIRECT = 040000, O_CLOEXEC = 02000000;
    public static final int SEEK_SET = 0, SEEK_END = 2;

    private static final MethodHandle OPEN = Libc.withErrno("open", fn(INT, PTR, INT, INT), Libc.variadicFrom(2));
    private static final MethodHandle CLOSE = Libc.withErrno("close", fn(INT, INT));
    private static final MethodHandle READ = Libc.withErrno("read", fn(LONG, INT, PTR, LONG));
    private static final MethodHandle WRITE = Libc.withErrno("write", fn(LONG, INT, PTR, LONG));
    private static final MethodHandle PREAD = Libc.withErrno("pread", fn(LONG, INT, PTR, LONG, LONG));
    private static final MethodHandle PWRITE = Libc.withErrno("pwrite", fn(LONG, INT, PTR, LONG, LONG));
    private static final MethodHandle LSEEK = Libc.withErrno("lseek", fn(LONG, INT, LONG, INT));
    private static final MethodHandle FTRUNCATE = Libc.withErrno("ftruncate", fn(INT, INT, LONG));
    private static final MethodHandle FDATASYNC = Libc.withErrno("fdatasync", fn(INT, INT));
    private static final MethodHandle IOCTL_PTR = Libc.withErrno("ioctl", fn(INT, INT, LONG, PTR), Libc.variadicFrom(2));
    private static final MethodHandle IOCTL_LONG = Libc.withErrno("ioctl", fn(INT, INT, LONG, LONG), Libc.variadicFrom(2));
    private static final MethodHandle CHMOD = Libc.withErrno("chmod", fn(INT, PTR, INT));
    private static final MethodHandle CHOWN = Libc.withErrno("chown", fn(INT, PTR, INT, INT));
    private static final MethodHandle GETUID = Libc.plain("getuid", fn(INT));
    private static final MethodHandle FCNTL = Libc.withErrno("fcntl", fn(INT, INT, INT, INT), Libc.variadicFrom(2));

    private Posix() {
    }

    /** Opens {@code path}; throws naming the path on failure. */
    public static int open(String path, int flags, int mode) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = Libc.state();
            int fd = (int) OPEN.invokeExact(st, a.allocateFrom(path), flags | O_CLOEXEC, mode);
            return (int) Libc.check(fd, st, "open", path);
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
    }

    /** Closes a descriptor; EINTR is treated as closed, as Linux always releases the descriptor. */
    public static void close(int fd) {
        try {
            MemorySegment st = Libc.state();
            int r = (int) CLOSE.invokeExact(st, fd);
            if (r == -1 && Libc.errno(st) != Errno.EINTR) {
                throw new NativeException("close", "fd " + fd, Libc.errno(st));
            }
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
    }

    /** read(2) into a native segment; returns bytes read, or -errno for EAGAIN/EINTR. */
    public static long read(int fd, MemorySegment buf, long len) {
        try {
            MemorySegment st = Libc.state();
            long n = (long) READ.invokeExact(st, fd, buf, len);
            return n >= 0 ? n : softError("read", fd, st);
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
    }

    /** write(2) from a native segment; returns bytes written, or -errno for EAGAIN/EINTR. */
    public static long write(int fd, MemorySegment buf, long len) {
        try {
            MemorySegment st = Libc.state();
            long n = (long) WRITE.invokeExact(st, fd, buf, len);
            return n >= 0 ? n : softError("write", fd, st);
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
    }

    public static long pread(int fd, MemorySegment buf, long len, long offset) {
        try {
            MemorySegment st = Libc.state();
            return Libc.check((long) PREAD.invokeExact(st, fd, buf, len, offset), st, "pread", "fd " + fd);
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
    }

    public static long pwrite(int fd, MemorySegment buf, long len, long offset) {
        try {
            MemorySegment st = Libc.state();
            return Libc.check((long) PWRITE.invokeExact(st, fd, buf, len, offset), st, "pwrite", "fd " + fd);
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
    }

    public static long lseek(int fd, long offset, int whence) {
        try {
            MemorySegment st = Libc.state();
            return Libc.check((long) LSEEK.invokeExact(st, fd, offset, whence), st, "lseek", "fd " + fd);
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
    }

    public static void ftruncate(int fd, long size) {
        try {
            MemorySegment st = Libc.state();
            Libc.check((int) FTRUNCATE.invokeExact(st, fd, size), st, "ftruncate", "fd " + fd);
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
    }

    public static void fdatasync(int fd) {
        try {
            MemorySegment st = Libc.state();
            Libc.check((int) FDATASYNC.invokeExact(st, fd), st, "fdatasync", "fd " + fd);
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
    }

    /** ioctl with a pointer argument. */
    public static int ioctl(int fd, long request, MemorySegment arg) {
        try {
            MemorySegment st = Libc.state();
            return (int) Libc.check((int) IOCTL_PTR.invokeExact(st, fd, request, arg), st,
                    "ioctl 0x" + Long.toHexString(request), "fd " + fd);
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
    }

    /** ioctl with an integer argument. */
    public static int ioctl(int fd, long request, long arg) {
        try {
            MemorySegment st = Libc.state();
            return (int) Libc.check((int) IOCTL_LONG.invokeExact(st, fd, request, arg), st,
                    "ioctl 0x" + Long.toHexString(request), "fd " + fd);
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
    }

    /** fcntl with an integer argument (F_GETFL 3, F_SETFL 4). */
    public static int fcntl(int fd, int cmd, int arg) {
        try {
            MemorySegment st = Libc.state();
            return (int) Libc.check((int) FCNTL.invokeExact(st, fd, cmd, arg), st, "fcntl", "fd " + fd);
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
    }

    public static void chmod(String path, int mode) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = Libc.state();
            Libc.check((int) CHMOD.invokeExact(st, a.allocateFrom(path), mode), st, "chmod", path);
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
    }

    /** chown; -1 leaves owner or group unchanged. */
    public static void chown(String path, int uid, int gid) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = Libc.state();
            Libc.check((int) CHOWN.invokeExact(st, a.allocateFrom(path), uid, gid), st, "chown", path);
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
    }

    public static int getuid() {
        try {
            return (int) GETUID.invokeExact();
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
    }

    private static long softError(String call, int fd, MemorySegment st) {
        int e = Libc.errno(st);
        if (e == Errno.EAGAIN || e == Errno.EINTR) {
            return -e;
        }
        throw new NativeException(call, "fd " + fd, e);
    }
}
