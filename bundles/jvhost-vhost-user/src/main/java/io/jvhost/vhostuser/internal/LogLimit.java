package io.jvhost.vhostuser.internal;

import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;

/**
 * How many lines one controller's front-ends and guests may put in the log: {@value #BURST} per
 * {@value #WINDOW_SECONDS} s, as the kernel's printk_ratelimit. A hostile tenant that breaks its ring
 * and resets the device in a loop, or reconnects in a loop, would otherwise write tens of lines a
 * second. Lines over the limit are counted, and the first line let through afterwards says how many
 * were left out. Thread-safe: sessions log from their own threads, queues from reactors (error paths
 * only, so the lock costs nothing on the I/O path).
 */
final class LogLimit {
    static final int BURST = 10;
    static final long WINDOW_SECONDS = 5;
    private static final long WINDOW_NANOS = TimeUnit.SECONDS.toNanos(WINDOW_SECONDS);
    private final LongSupplier nanoClock;
    private boolean started;
    private long windowStart;
    private int inWindow;
    private long leftOut;

    LogLimit() {
        this(System::nanoTime);
    }

    LogLimit(LongSupplier nanoClock) {
        this.nanoClock = nanoClock;
    }

    /**
     * Asks to log one line: null when it is to be left out, otherwise the end of the line, empty or
     * saying how many lines were left out before it.
     */
    synchronized String admit() {
        long now = nanoClock.getAsLong();
        if (!started || now - windowStart >= WINDOW_NANOS) {
            started = true;
            windowStart = now;
            inWindow = 0;
        }
        if (inWindow >= BURST) {
            leftOut++;
            return null;
        }
        inWindow++;
        if (leftOut == 0) {
            return "";
        }
        String note = " (" + leftOut + (leftOut == 1 ? " line" : " lines") + " of this controller left out before this:"
                + " at most " + BURST + " per " + WINDOW_SECONDS + " s)";
        leftOut = 0;
        return note;
    }

    /**
     * Logs a warning within the limit: {@code format}'s last {@code {}} gets {@link #admit()}'s note,
     * so it ends with the count of lines left out before it.
     */
    void warn(Logger log, String format, Object... args) {
        String more = admit();
        if (more != null) {
            log.warn(format, withNote(args, more, null));
        }
    }

    /** {@link #warn(Logger, String, Object...)} with the exception that caused the line (its stack trace follows). */
    void warn(Logger log, Throwable cause, String format, Object... args) {
        String more = admit();
        if (more != null) {
            log.warn(format, withNote(args, more, cause));
        }
    }

    /** As {@link #warn(Logger, String, Object...)}, at error level. */
    void error(Logger log, String format, Object... args) {
        String more = admit();
        if (more != null) {
            log.error(format, withNote(args, more, null));
        }
    }

    private static Object[] withNote(Object[] args, String note, Throwable cause) {
        Object[] out = Arrays.copyOf(args, args.length + (cause == null ? 1 : 2));
        out[args.length] = note;
        if (cause != null) {
            out[args.length + 1] = cause; // SLF4J: a trailing Throwable past the placeholders is the cause
        }
        return out;
    }
}
