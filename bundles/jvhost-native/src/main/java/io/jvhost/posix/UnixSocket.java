package io.jvhost.posix;

import static io.jvhost.posix.Libc.INT;
import static io.jvhost.posix.Libc.LONG;
import static io.jvhost.posix.Libc.PTR;
import static io.jvhost.posix.Libc.fn;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;

/**
 * A blocking AF_UNIX stream socket that can carry file descriptors (SCM_RIGHTS), as vhost-user needs.
 */
public final class UnixSocket extends Fd {
    /** Most descriptors one message may carry; vhost-user sends at most 8 (one per memory region). */
    public static final int MAX_FDS = 16;
    private static final int AF_UNIX = 1, SOCK_STREAM = 1, SOCK_CLOEXEC = 02000000;
    private static final int SOL_SOCKET = 1, SCM_RIGHTS = 1;
    private static final int MSG_NOSIGNAL = 0x4000, MSG_CMSG_CLOEXEC = 0x40000000, MSG_CTRUNC = 0x8;
    private static final int SHUT_WR = 1, SHUT_RDWR = 2;
    private static final int SUN_PATH_MAX = 108, SOCKADDR_UN_SIZE = 110;
    private static final int MSGHDR_SIZE = 56, IOVEC_SIZE = 16, CMSG_HEADER = 16;
    private static final int S_IFMT = 0170000, S_IFSOCK = 0140000;

    private static final MethodHandle SOCKET = Libc.withErrno("socket", fn(INT, INT, INT, INT));
    private static final MethodHandle SOCKETPAIR = Libc.withErrno("socketpair", fn(INT, INT, INT, INT, PTR));
    private static final MethodHandle BIND = Libc.withErrno("bind", fn(INT, INT, PTR, INT));
    private static final MethodHandle LISTEN = Libc.withErrno("listen", fn(INT, INT, INT));
    private static final MethodHandle ACCEPT4 = Libc.withErrno("accept4", fn(INT, INT, PTR, PTR, INT));
    private static final MethodHandle CONNECT = Libc.withErrno("connect", fn(INT, INT, PTR, INT));
    private static final MethodHandle SENDMSG = Libc.withErrno("sendmsg", fn(LONG, INT, PTR, INT));
    private static final MethodHandle RECVMSG = Libc.withErrno("recvmsg", fn(LONG, INT, PTR, INT));
    private static final MethodHandle SHUTDOWN = Libc.withErrno("shutdown", fn(INT, INT, INT));

    /** What one {@link #receive} returned: bytes read (0 at end of stream) and descriptors received. */
    public record Received(long bytes, int[] fds) {
    }

    private final String name;

    private UnixSocket(int fd, String name) {
        super(fd);
        this.name = name;
    }

    /** Takes ownership of a connected socket received from elsewhere (e.g. over SCM_RIGHTS). */
    public static UnixSocket adopt(int fd, String name) {
        return new UnixSocket(fd, name);
    }

    /** Describes the socket in errors: its path, or "peer of PATH". */
    public String name() {
        return name;
    }

    /**
     * Binds and listens at {@code path}. A stale socket file (nobody accepting) is replaced; a live
     * one, or a path that is not a socket, is refused.
     */
    public static UnixSocket listen(Path path, int backlog) {
        removeStaleSocket(path);
        UnixSocket s = new UnixSocket(newSocket(path.toString()), path.toString());
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = Libc.state();
            Libc.check((int) BIND.invokeExact(st, s.fd(), sockaddr(a, path), SOCKADDR_UN_SIZE), st, "bind", path.toString());
            Libc.check((int) LISTEN.invokeExact(st, s.fd(), backlog), st, "listen", path.toString());
            return s;
        } catch (Throwable t) {
            s.close();
            throw Libc.rethrow(t);
        }
    }

    /** Connects to a listening socket at {@code path}. */
    public static UnixSocket connect(Path path) {
        UnixSocket s = new UnixSocket(newSocket(path.toString()), path.toString());
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = Libc.state();
            Libc.check((int) CONNECT.invokeExact(st, s.fd(), sockaddr(a, path), SOCKADDR_UN_SIZE), st, "connect",
                    path.toString());
            return s;
        } catch (Throwable t) {
            s.close();
            throw Libc.rethrow(t);
        }
    }

    /** A connected pair of sockets. */
    public static UnixSocket[] pair() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment fds = a.allocate(8, 4);
            MemorySegment st = Libc.state();
            Libc.check((int) SOCKETPAIR.invokeExact(st, AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), st, "socketpair", "");
            return new UnixSocket[] {new UnixSocket(fds.get(ValueLayout.JAVA_INT, 0), "socketpair[0]"),
                new UnixSocket(fds.get(ValueLayout.JAVA_INT, 4), "socketpair[1]")};
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
    }

    /** Blocks for the next connection; throws once the socket was shut down or closed. */
    public UnixSocket accept() {
        try {
            MemorySegment st = Libc.state();
            int c;
            do {
                c = (int) ACCEPT4.invokeExact(st, fd(), MemorySegment.NULL, MemorySegment.NULL, SOCK_CLOEXEC);
            } while (c == -1 && Libc.errno(st) == Errno.EINTR);
            return new UnixSocket((int) Libc.check(c, st, "accept", name), "peer of " + name);
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
    }

    /** Wakes any thread blocked in accept or receive on this socket; they then fail. */
    public void shutdown() {
        shutdown(SHUT_RDWR);
    }

    /** Ends this side's sending (the peer reads end of stream) and keeps receiving. */
    public void shutdownOutput() {
        shutdown(SHUT_WR);
    }

    private void shutdown(int how) {
        int fd = fd();
        if (fd >= 0) {
            try {
                int ignored = (int) SHUTDOWN.invokeExact(Libc.state(), fd, how);
            } catch (Throwable t) {
                throw Libc.rethrow(t);
            }
        }
    }

    /** Sends all {@code len} bytes of {@code data}, with {@code fds} attached to the first byte. */
    public void send(MemorySegment data, long len, int... fds) {
        if (fds.length > MAX_FDS) {
            throw new IllegalArgumentException("at most " + MAX_FDS + " descriptors per message, got " + fds.length);
        }
        try (Arena a = Arena.ofConfined()) {
            MemorySegment msg = a.allocate(MSGHDR_SIZE, 8);
            MemorySegment iov = a.allocate(IOVEC_SIZE, 8);
            msg.set(ValueLayout.ADDRESS, 16, iov);
            msg.set(ValueLayout.JAVA_LONG, 24, 1);
            if (fds.length > 0) {
                long space = cmsgSpace(fds.length);
                MemorySegment control = a.allocate(space, 8);
                control.set(ValueLayout.JAVA_LONG, 0, CMSG_HEADER + 4L * fds.length);
                control.set(ValueLayout.JAVA_INT, 8, SOL_SOCKET);
                control.set(ValueLayout.JAVA_INT, 12, SCM_RIGHTS);
                MemorySegment.copy(fds, 0, control, ValueLayout.JAVA_INT, CMSG_HEADER, fds.length);
                msg.set(ValueLayout.ADDRESS, 32, control);
                msg.set(ValueLayout.JAVA_LONG, 40, space);
            }
            long sent = 0;
            MemorySegment st = Libc.state();
            while (sent < len) {
                iov.set(ValueLayout.ADDRESS, 0, data.asSlice(sent));
                iov.set(ValueLayout.JAVA_LONG, 8, len - sent);
                long n = (long) SENDMSG.invokeExact(st, fd(), msg, MSG_NOSIGNAL);
                if (n == -1 && Libc.errno(st) == Errno.EINTR) {
                    continue;
                }
                sent += Libc.check(n, st, "sendmsg", name);
                msg.set(ValueLayout.ADDRESS, 32, MemorySegment.NULL);
                msg.set(ValueLayout.JAVA_LONG, 40, 0);
            }
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
    }

    /**
     * One recvmsg of up to {@code len} bytes; descriptors that came with them are returned (and owned
     * by the caller). A message whose descriptors did not fit is an error, and none are kept.
     */
    public Received receive(MemorySegment buf, long len) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment msg = a.allocate(MSGHDR_SIZE, 8);
            MemorySegment iov = a.allocate(IOVEC_SIZE, 8);
            long space = cmsgSpace(MAX_FDS);
            MemorySegment control = a.allocate(space, 8);
            iov.set(ValueLayout.ADDRESS, 0, buf);
            iov.set(ValueLayout.JAVA_LONG, 8, len);
            msg.set(ValueLayout.ADDRESS, 16, iov);
            msg.set(ValueLayout.JAVA_LONG, 24, 1);
            msg.set(ValueLayout.ADDRESS, 32, control);
            msg.set(ValueLayout.JAVA_LONG, 40, space);
            MemorySegment st = Libc.state();
            long n;
            do {
                n = (long) RECVMSG.invokeExact(st, fd(), msg, MSG_CMSG_CLOEXEC);
            } while (n == -1 && Libc.errno(st) == Errno.EINTR);
            Libc.check(n, st, "recvmsg", name);
            int[] fds = collectFds(msg, control);
            if ((msg.get(ValueLayout.JAVA_INT, 48) & MSG_CTRUNC) != 0) {
                for (int fd : fds) {
                    Posix.close(fd);
                }
                throw new NativeException("recvmsg", name + " (more than " + MAX_FDS + " descriptors in one message)",
                        Errno.EINVAL);
            }
            return new Received(n, fds);
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
    }

    /** Reads exactly {@code len} bytes; returns false at a clean end of stream before the first byte. */
    public boolean receiveFully(MemorySegment buf, long len) throws IOException {
        long got = 0;
        while (got < len) {
            Received r = receive(buf.asSlice(got), len - got);
            for (int fd : r.fds()) {
                Posix.close(fd);
            }
            if (r.fds().length > 0) {
                throw new IOException(name + ": unexpected file descriptors inside a message payload");
            }
            if (r.bytes() == 0) {
                if (got == 0) {
                    return false;
                }
                throw new IOException(name + ": connection closed after " + got + " of " + len + " bytes");
            }
            got += r.bytes();
        }
        return true;
    }

    private static int[] collectFds(MemorySegment msg, MemorySegment control) {
        long controlLen = msg.get(ValueLayout.JAVA_LONG, 40);
        int[] out = new int[MAX_FDS];
        int count = 0;
        long off = 0;
        while (off + CMSG_HEADER <= controlLen) {
            long cmsgLen = control.get(ValueLayout.JAVA_LONG, off);
            if (cmsgLen < CMSG_HEADER) {
                break;
            }
            if (control.get(ValueLayout.JAVA_INT, off + 8) == SOL_SOCKET
                    && control.get(ValueLayout.JAVA_INT, off + 12) == SCM_RIGHTS) {
                int n = (int) ((cmsgLen - CMSG_HEADER) / 4);
                for (int i = 0; i < n && count < MAX_FDS; i++) {
                    out[count++] = control.get(ValueLayout.JAVA_INT, off + CMSG_HEADER + 4L * i);
                }
            }
            off += (cmsgLen + 7) & ~7L;
        }
        return java.util.Arrays.copyOf(out, count);
    }

    private static long cmsgSpace(int fds) {
        return CMSG_HEADER + ((4L * fds + 7) & ~7L);
    }

    private static int newSocket(String what) {
        try {
            MemorySegment st = Libc.state();
            int fd = (int) SOCKET.invokeExact(st, AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
            return (int) Libc.check(fd, st, "socket", what);
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
    }

    private static MemorySegment sockaddr(Arena a, Path path) {
        byte[] p = path.toString().getBytes(StandardCharsets.UTF_8);
        if (p.length >= SUN_PATH_MAX) {
            throw new IllegalArgumentException("socket path longer than " + (SUN_PATH_MAX - 1) + " bytes: " + path);
        }
        MemorySegment addr = a.allocate(SOCKADDR_UN_SIZE, 2);
        addr.set(ValueLayout.JAVA_SHORT, 0, (short) AF_UNIX);
        MemorySegment.copy(p, 0, addr, ValueLayout.JAVA_BYTE, 2, p.length);
        return addr;
    }

    private static void removeStaleSocket(Path path) {
        if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        int mode;
        try {
            mode = (Integer) Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS);
        } catch (IOException | UnsupportedOperationException e) {
            throw new IllegalStateException("cannot inspect existing " + path + ": " + e.getMessage(), e);
        }
        if ((mode & S_IFMT) != S_IFSOCK) {
            throw new IllegalStateException(path + " exists and is not a socket; refusing to replace it");
        }
        try (UnixSocket probe = connect(path)) {
            throw new IllegalStateException(path + " is in use by another running process; choose another path");
        } catch (NativeException e) {
            if (e.errno() != Errno.ECONNREFUSED && e.errno() != Errno.ENOENT) {
                throw e;
            }
        }
        try {
            Files.deleteIfExists(path);
        } catch (IOException e) {
            throw new IllegalStateException("cannot remove stale socket " + path + ": " + e.getMessage(), e);
        }
    }
}
