package io.jvhost.posix;

import java.lang.foreign.AddressLayout;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * The linker, the libc symbol lookup and errno capture. Handles are built once by the classes that
 * use them; errno is captured by the call itself into a per-thread state segment, never read later.
 */
final class Libc {
    static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT;
    static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG;
    static final AddressLayout PTR = ValueLayout.ADDRESS;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout STATE_LAYOUT = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO =
            STATE_LAYOUT.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final Linker.Option CAPTURE_ERRNO = Linker.Option.captureCallState("errno");
    private static final ThreadLocal<MemorySegment> STATE =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(STATE_LAYOUT));

    private Libc() {
    }

    static FunctionDescriptor fn(MemoryLayout ret, MemoryLayout... args) {
        return FunctionDescriptor.of(ret, args);
    }

    /** A downcall whose first parameter is the errno capture segment. */
    static MethodHandle withErrno(String name, FunctionDescriptor fd, Linker.Option... more) {
        Linker.Option[] opts = new Linker.Option[more.length + 1];
        opts[0] = CAPTURE_ERRNO;
        System.arraycopy(more, 0, opts, 1, more.length);
        return LINKER.downcallHandle(symbol(name), fd, opts);
    }

    /** A downcall that cannot fail or reports failure without errno. */
    static MethodHandle plain(String name, FunctionDescriptor fd, Linker.Option... opts) {
        return LINKER.downcallHandle(symbol(name), fd, opts);
    }

    static Linker.Option variadicFrom(int index) {
        return Linker.Option.firstVariadicArg(index);
    }

    private static MemorySegment symbol(String name) {
        return LINKER.defaultLookup().find(name)
                .orElseThrow(() -> new UnsatisfiedLinkError("libc has no symbol " + name));
    }

    /** A fresh errno capture segment, for an object that keeps its own instead of this thread's. */
    static MemorySegment newState(Arena arena) {
        return arena.allocate(STATE_LAYOUT);
    }

    /** This thread's errno capture segment. */
    static MemorySegment state() {
        return STATE.get();
    }

    static int errno(MemorySegment state) {
        return (int) ERRNO.get(state, 0L);
    }

    /** Returns {@code result} when it is not -1, else throws for the captured errno. */
    static long check(long result, MemorySegment state, String call, String subject) {
        if (result == -1) {
            throw new NativeException(call, subject, errno(state));
        }
        return result;
    }

    static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) {
            return r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        return new IllegalStateException(t);
    }
}
