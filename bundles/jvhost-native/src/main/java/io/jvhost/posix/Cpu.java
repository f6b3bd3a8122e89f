package io.jvhost.posix;

import static io.jvhost.posix.Libc.INT;
import static io.jvhost.posix.Libc.LONG;
import static io.jvhost.posix.Libc.PTR;
import static io.jvhost.posix.Libc.fn;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.BitSet;

/** Thread identity, CPU affinity and per-thread CPU time. */
public final class Cpu {
    private static final int CPU_SET_BYTES = 128;
    private static final int CLOCK_THREAD_CPUTIME_ID = 3;
    private static final MethodHandle GETTID = Libc.plain("gettid", fn(INT));
    private static final MethodHandle SET_AFFINITY = Libc.withErrno("sched_setaffinity", fn(INT, INT, LONG, PTR));
    private static final MethodHandle GET_AFFINITY = Libc.withErrno("sched_getaffinity", fn(INT, INT, LONG, PTR));
    private static final MethodHandle CLOCK_GETTIME = Libc.withErrno("clock_gettime", fn(INT, INT, PTR));

    private Cpu() {
    }

    /** The calling thread's kernel thread id. */
    public static int gettid() {
        try {
            return (int) GETTID.invokeExact();
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
    }

    /** Pins the calling thread to the given cores. */
    public static void pinCurrentThread(BitSet cores) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment set = a.allocate(CPU_SET_BYTES);
            byte[] bits = cores.toByteArray();
            MemorySegment.copy(bits, 0, set, ValueLayout.JAVA_BYTE, 0, Math.min(bits.length, CPU_SET_BYTES));
            MemorySegment st = Libc.state();
            Libc.check((int) SET_AFFINITY.invokeExact(st, 0, (long) CPU_SET_BYTES, set), st, "sched_setaffinity",
                    "cores " + cores);
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
    }

    /** The cores this process may run on. */
    public static BitSet allowedCores() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment set = a.allocate(CPU_SET_BYTES);
            MemorySegment st = Libc.state();
            Libc.check((int) GET_AFFINITY.invokeExact(st, 0, (long) CPU_SET_BYTES, set), st, "sched_getaffinity", "");
            return BitSet.valueOf(set.toArray(ValueLayout.JAVA_BYTE));
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
    }

    /** CPU time consumed by the calling thread, in nanoseconds. */
    public static long threadCpuNanos() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment ts = a.allocate(16, 8);
            MemorySegment st = Libc.state();
            Libc.check((int) CLOCK_GETTIME.invokeExact(st, CLOCK_THREAD_CPUTIME_ID, ts), st, "clock_gettime", "");
            return ts.get(ValueLayout.JAVA_LONG, 0) * 1_000_000_000L + ts.get(ValueLayout.JAVA_LONG, 8);
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
    }
}
