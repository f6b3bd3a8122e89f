package io.jvhost.launcher;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * {@code ./jvhost}: parses the command line, starts the runtime, prints {@code jvhost ready} once
 * the config applied and the commands ran, and on SIGTERM or SIGINT stops every bundle and exits 0.
 */
public final class Main {
    /** How long bundles and the config may take (system property, seconds): a slow guest or host may need more. */
    static final String STARTUP_TIMEOUT_PROPERTY = "jvhost.startup.timeout";
    private static final long STARTUP_TIMEOUT_MILLIS = Long.getLong(STARTUP_TIMEOUT_PROPERTY, 120) * 1000;
    private static final AtomicBoolean STOPPING = new AtomicBoolean();

    private Main() {
    }

    public static void main(String[] args) {
        PrintStream out = System.out;
        Path home = Path.of(System.getProperty("jvhost.home", ".")).toAbsolutePath().normalize();
        LaunchOptions options;
        try {
            options = LaunchOptions.parse(home, args);
        } catch (LaunchOptions.UsageException e) {
            if (e.getMessage().equals(LaunchOptions.USAGE)) {
                out.print(LaunchOptions.USAGE);
                System.exit(0);
            }
            System.err.println("jvhost: " + e.getMessage());
            System.exit(2);
            return;
        }
        boolean console = switch (options.console()) {
            case ON -> true;
            case OFF -> false;
            case AUTO -> System.console() != null && System.console().isTerminal() && !options.exitAfterStart();
        };
        JvhostRuntime runtime;
        try {
            runtime = JvhostRuntime.start(options, console);
        } catch (JvhostRuntime.StartupException e) {
            System.err.println("jvhost: " + e.getMessage());
            System.exit(1);
            return;
        }
        Runnable shutdown = () -> {
            if (STOPPING.compareAndSet(false, true)) {
                runtime.stop();
                out.println("jvhost stopped");
                out.flush();
                Runtime.getRuntime().halt(0);
            }
        };
        // SIGTERM and SIGINT run shutdown hooks; halting with 0 from the hook makes a clean stop exit 0
        // rather than 143/130. Every other exit sets STOPPING first, so the hook leaves its status alone.
        Runtime.getRuntime().addShutdownHook(new Thread(shutdown, "jvhost-shutdown"));
        try {
            if (options.waitForRpc()) {
                out.println("jvhost waiting for framework_start_init on " + options.rpcSocket());
                out.flush();
            }
            // with --wait-for-rpc, startup begins when a client asks, however late
            String message = runtime.awaitStartup(options.waitForRpc() ? 0 : STARTUP_TIMEOUT_MILLIS);
            out.println("jvhost ready: version " + JvhostRuntime.version() + ", feature " + String.join(",", options.features())
                    + ", cpumask " + options.cpumask() + ", " + message
                    + (options.metrics() == null ? "" : ", metrics at http://" + options.metrics() + "/metrics"));
            out.flush();
        } catch (JvhostRuntime.StartupException e) {
            System.err.println("jvhost: startup failed: " + e.getMessage());
            STOPPING.set(true);
            runtime.stop();
            System.exit(1);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (options.exitAfterStart()) {
            STOPPING.set(true);
            runtime.stop();
            System.exit(0);
        }
        try {
            runtime.waitForStop();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (STOPPING.compareAndSet(false, true)) {
            out.println("jvhost stopped");
            System.exit(0);
        }
    }
}
