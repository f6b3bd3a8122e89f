package io.jvhost.config.internal;

/**
 * Registered once startup finished. The launcher reads only the service properties
 * {@value #STATE} ({@code ready} or {@code failed}) and {@value #MESSAGE}, so it shares no class with bundles.
 */
public record StartupStatus(boolean ready, String message) {
    public static final String STATE = "jvhost.startup.state";
    public static final String MESSAGE = "jvhost.startup.message";
}
