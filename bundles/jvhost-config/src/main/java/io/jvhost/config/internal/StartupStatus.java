package io.jvhost.config.internal;

/**
 * Registered once the config was applied and updated once startup finished. The launcher reads only
 * the service properties {@value #STATE} ({@value #COMMANDS} while the {@code -x} commands run, then
 * {@value #READY} or {@value #FAILED}) and {@value #MESSAGE}, so it shares no class with bundles.
 */
public record StartupStatus(boolean ready, String message) {
    public static final String STATE = "jvhost.startup.state";
    public static final String MESSAGE = "jvhost.startup.message";
    /** The config is applied and the {@code -x} commands run: as long as they take (bdev:perf -t 300, say). */
    public static final String COMMANDS = "commands";
    public static final String READY = "ready";
    public static final String FAILED = "failed";
}
