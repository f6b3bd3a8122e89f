package io.jvhost.nvme.driver;

/**
 * What a controller counted since it was attached.
 *
 * @param timeouts I/O commands that outlived the I/O timeout
 * @param aborts Abort commands sent for them
 * @param resets resets begun (asked for, or after fatal status or a failed abort)
 * @param failedResets attempts to bring the controller up again that failed
 * @param directCommands data commands whose PRPs point at the caller's memory (registered: no copy)
 * @param copiedCommands data commands copied through the driver's bounce pages
 */
public record ControllerCounters(long timeouts, long aborts, long resets, long failedResets, long directCommands,
        long copiedCommands) {
}
