package io.jvhost.posix;

import static io.jvhost.posix.Libc.INT;
import static io.jvhost.posix.Libc.fn;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.util.Locale;
import java.util.Map;

/** Sending signals to this process, by number or by the names SPDK's {@code spdk_kill_instance} takes. */
public final class Signals {
    /** Linux x86-64 numbers of the signals SPDK's RPC accepts by name. */
    private static final Map<String, Integer> BY_NAME = Map.of("SIGHUP", 1, "SIGINT", 2, "SIGQUIT", 3,
            "SIGKILL", 9, "SIGUSR1", 10, "SIGTERM", 15);
    private static final MethodHandle KILL = Libc.withErrno("kill", fn(INT, INT, INT));

    private Signals() {
    }

    /**
     * The number of a signal named {@code SIGTERM}, {@code TERM} or {@code term} (or given as its
     * number); -1 when it is none of those SPDK accepts.
     */
    public static int parse(String name) {
        String n = name.trim().toUpperCase(Locale.ROOT);
        if (!n.isEmpty() && n.chars().allMatch(Character::isDigit)) {
            int number = Integer.parseInt(n);
            return BY_NAME.containsValue(number) ? number : -1;
        }
        return BY_NAME.getOrDefault(n.startsWith("SIG") ? n : "SIG" + n, -1);
    }

    /** The names accepted by {@link #parse}, for error messages. */
    public static String names() {
        return String.join(", ", new java.util.TreeSet<>(BY_NAME.keySet()));
    }

    /** Sends {@code signal} to this process, as {@code kill(getpid(), signal)}. */
    public static void raise(int signal) {
        long pid = ProcessHandle.current().pid();
        try {
            MemorySegment st = Libc.state();
            Libc.check((int) KILL.invokeExact(st, (int) pid, signal), st, "kill", "pid " + pid + " signal " + signal);
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
    }
}
