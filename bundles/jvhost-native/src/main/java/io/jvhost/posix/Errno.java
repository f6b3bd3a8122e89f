package io.jvhost.posix;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/** Linux errno values used by jvhost, and the one place that turns an errno into text. */
public final class Errno {
    public static final int EPERM = 1, ENOENT = 2, EINTR = 4, EIO = 5, EBADF = 9, EAGAIN = 11,
            ENOMEM = 12, EACCES = 13, EFAULT = 14, EBUSY = 16, EEXIST = 17, ENODEV = 19, EINVAL = 22,
            ENOSPC = 28, EPIPE = 32, ERANGE = 34, ENOSYS = 38, ENOTSUP = 95, EADDRINUSE = 98,
            ECONNRESET = 104, ETIMEDOUT = 110, ECONNREFUSED = 111, ECANCELED = 125;

    private static final MethodHandle STRERROR = Libc.plain("strerror", Libc.fn(Libc.PTR, Libc.INT));

    private Errno() {
    }

    /** Symbolic name of an errno, e.g. {@code ENOENT}, or its number when not one jvhost names. */
    public static String name(int errno) {
        return switch (errno) {
            case EPERM -> "EPERM"; case ENOENT -> "ENOENT"; case EINTR -> "EINTR"; case EIO -> "EIO";
            case EBADF -> "EBADF"; case EAGAIN -> "EAGAIN"; case ENOMEM -> "ENOMEM"; case EACCES -> "EACCES";
            case EFAULT -> "EFAULT"; case EBUSY -> "EBUSY"; case EEXIST -> "EEXIST"; case ENODEV -> "ENODEV";
            case EINVAL -> "EINVAL"; case ENOSPC -> "ENOSPC"; case EPIPE -> "EPIPE"; case ERANGE -> "ERANGE";
            case ENOSYS -> "ENOSYS"; case ENOTSUP -> "ENOTSUP"; case EADDRINUSE -> "EADDRINUSE";
            case ECONNRESET -> "ECONNRESET"; case ETIMEDOUT -> "ETIMEDOUT"; case ECONNREFUSED -> "ECONNREFUSED";
            case ECANCELED -> "ECANCELED";
            default -> "errno " + errno;
        };
    }

    /** Human text for an errno, e.g. {@code No such file or directory (ENOENT)}. */
    public static String describe(int errno) {
        String text;
        try {
            MemorySegment p = (MemorySegment) STRERROR.invokeExact(errno);
            text = p.reinterpret(256).getString(0);
        } catch (Throwable t) {
            text = "error";
        }
        return text + " (" + name(errno) + ")";
    }
}
