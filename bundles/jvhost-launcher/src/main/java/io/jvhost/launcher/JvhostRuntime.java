package io.jvhost.launcher;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.felix.framework.FrameworkFactory;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.framework.FrameworkEvent;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.launch.Framework;
import org.osgi.util.tracker.ServiceTracker;
import org.osgi.util.tracker.ServiceTrackerCustomizer;

/**
 * An embedded Felix framework provisioned with one feature. Bundles are installed and marked for
 * start before the framework starts, so every bundle is active when the startup runner begins.
 */
public final class JvhostRuntime {
    /** Startup did not complete; the message is the line shown to the user. */
    public static final class StartupException extends Exception {
        private static final long serialVersionUID = 1L;

        public StartupException(String message) {
            super(message);
        }
    }

    /** The status service's properties, as StartupStatus in the config bundle names them (no class is shared). */
    private static final String STATE = "jvhost.startup.state";
    private static final String MESSAGE = "jvhost.startup.message";
    private static final String RUNNING_COMMANDS = "commands";
    private static final String READY = "ready";
    private static final String STATUS_FILTER = "(" + STATE + "=*)";
    private static final String CONFIG_BUNDLE = "io.jvhost.config";
    private final Framework framework;
    private final Path storage;
    private final List<String> bundleErrors = new ArrayList<>();

    private JvhostRuntime(Framework framework, Path storage) {
        this.framework = framework;
        this.storage = storage;
    }

    /** The version of this jvhost build. */
    public static String version() {
        Properties p = new Properties();
        try (InputStream in = JvhostRuntime.class.getResourceAsStream("version.properties")) {
            p.load(in);
        } catch (IOException | NullPointerException e) {
            return "unknown";
        }
        return p.getProperty("jvhost.version", "unknown");
    }

    /** Starts Felix with the options' features (plus the console feature when a console is wanted). */
    public static JvhostRuntime start(LaunchOptions o, boolean console) throws StartupException {
        String version = version();
        List<String> locations;
        FeatureRepository features;
        try {
            features = FeatureRepository.load(o.home().resolve("features"), version);
            java.util.Set<String> wanted = new java.util.LinkedHashSet<>();
            for (String f : o.features()) {
                wanted.addAll(features.resolve(f));
            }
            if (console) {
                wanted.addAll(features.resolve("jvhost-console"));
            }
            locations = new ArrayList<>(wanted);
        } catch (IOException | IllegalArgumentException e) {
            throw new StartupException(e.getMessage());
        }
        BundleLocations resolver = BundleLocations.fromEnvironment();
        List<Path> files = new ArrayList<>();
        for (String l : locations) {
            try {
                files.add(resolver.resolve(l));
            } catch (IllegalArgumentException e) {
                throw new StartupException(e.getMessage());
            }
        }
        Path storage;
        try {
            storage = Files.createTempDirectory("jvhost-felix-");
            Files.createDirectories(o.deploy());
        } catch (IOException e) {
            throw new StartupException("cannot create runtime directories: " + e.getMessage());
        }
        Map<String, String> props = frameworkProperties(o, console, version, storage);
        Framework fw = new FrameworkFactory().newFramework(props);
        JvhostRuntime rt = new JvhostRuntime(fw, storage);
        try {
            fw.init();
            fw.getBundleContext().addFrameworkListener(e -> {
                if (e.getType() == FrameworkEvent.ERROR && e.getBundle() != null) {
                    synchronized (rt.bundleErrors) {
                        rt.bundleErrors.add(e.getBundle().getSymbolicName() + ": " + rootMessage(e.getThrowable()));
                    }
                }
            });
            for (int i = 0; i < files.size(); i++) {
                try (InputStream in = Files.newInputStream(files.get(i))) {
                    Bundle b = fw.getBundleContext().installBundle(locations.get(i), in);
                    if (b.getHeaders().get("Fragment-Host") == null) {
                        b.start();
                    }
                }
            }
            new FeatureInstaller(features, resolver, fw.getBundleContext()).register();
            fw.start();
        } catch (BundleException | IOException e) {
            rt.stop();
            throw new StartupException("cannot start the OSGi runtime: " + rootMessage(e));
        }
        return rt;
    }

    private static Map<String, String> frameworkProperties(LaunchOptions o, boolean console, String version,
            Path storage) throws StartupException {
        Map<String, String> props = new HashMap<>();
        Path defaults = o.home().resolve("runtime-config").resolve("framework.properties");
        if (Files.isRegularFile(defaults)) {
            Properties p = new Properties();
            try (InputStream in = Files.newInputStream(defaults)) {
                p.load(in);
            } catch (IOException e) {
                throw new StartupException("cannot read " + defaults + ": " + e.getMessage());
            }
            p.stringPropertyNames().forEach(k -> props.put(k, p.getProperty(k)));
        }
        props.put("org.osgi.framework.storage", storage.toString());
        props.put("org.osgi.framework.storage.clean", "onFirstInit");
        props.put("felix.fileinstall.dir", o.deploy().toAbsolutePath().toString());
        props.put("org.ops4j.pax.logging.DefaultServiceLog.level", o.logLevel());
        props.put("jvhost.home", o.home().toAbsolutePath().toString());
        props.put("jvhost.version", version);
        props.put("jvhost.feature", String.join(",", o.features()));
        props.put("jvhost.cpumask", o.cpumask());
        props.put("jvhost.idle", o.idle());
        props.put("jvhost.socket.dir", o.socketDir().toAbsolutePath().toString());
        props.put("jvhost.rpc.socket", o.rpcSocket());
        props.put("jvhost.wait.for.rpc", Boolean.toString(o.waitForRpc()));
        if (o.metrics() != null) {
            // Felix HTTP (feature jvhost-metrics) reads these: plain HTTP on the one address given, no HTTPS
            int colon = o.metrics().lastIndexOf(':');
            props.put("org.apache.felix.http.host", o.metrics().substring(0, colon));
            props.put("org.osgi.service.http.port", o.metrics().substring(colon + 1));
            props.put("org.apache.felix.https.enable", "false");
        }
        if (o.config() != null) {
            props.put("jvhost.config.file", o.config().toAbsolutePath().toString());
        }
        if (!o.commands().isEmpty()) {
            props.put("jvhost.commands", String.join("\n", o.commands()));
        }
        if (!console) {
            props.put("gosh.args", "--nointeractive");
        }
        System.setProperty("org.ops4j.pax.logging.DefaultServiceLog.level", o.logLevel());
        return props;
    }

    public BundleContext context() {
        return framework.getBundleContext();
    }

    /**
     * Waits until the config was applied and the commands ran; returns the startup message. Throws
     * when a bundle failed to start, the config or a command failed, or the config was not applied
     * within {@code timeoutMillis} (0: no limit). The {@code -x} commands are not bounded: a
     * {@code bdev:perf -t 300} runs its 300 s.
     */
    public String awaitStartup(long timeoutMillis) throws StartupException, InterruptedException {
        BundleContext ctx = context();
        List<String> notActive = new ArrayList<>();
        boolean hasConfigBundle = false;
        for (Bundle b : ctx.getBundles()) {
            hasConfigBundle |= CONFIG_BUNDLE.equals(b.getSymbolicName());
            boolean fragment = b.getHeaders().get("Fragment-Host") != null;
            if (b.getBundleId() != 0 && b.getState() != Bundle.ACTIVE && !(fragment && b.getState() == Bundle.RESOLVED)) {
                notActive.add(b.getSymbolicName());
            }
        }
        synchronized (bundleErrors) {
            if (!bundleErrors.isEmpty()) {
                throw new StartupException("bundle failed to start: " + String.join("; ", bundleErrors));
            }
        }
        if (!notActive.isEmpty()) {
            throw new StartupException("bundles not active: " + notActive);
        }
        if (!hasConfigBundle) {
            return "feature " + context().getProperty("jvhost.feature") + " started";
        }
        BlockingQueue<ServiceReference<Object>> changes = new LinkedBlockingQueue<>();
        ServiceTracker<Object, Object> tracker;
        try {
            tracker = new ServiceTracker<>(ctx, ctx.createFilter(STATUS_FILTER), new ServiceTrackerCustomizer<>() {
                @Override
                public Object addingService(ServiceReference<Object> ref) {
                    changes.add(ref);
                    return ref;
                }

                @Override
                public void modifiedService(ServiceReference<Object> ref, Object service) {
                    changes.add(ref);
                }

                @Override
                public void removedService(ServiceReference<Object> ref, Object service) {
                }
            });
        } catch (org.osgi.framework.InvalidSyntaxException e) {
            throw new IllegalStateException(e);
        }
        tracker.open(true);
        try {
            // the limit covers bundles and the config; once the -x commands run, they take as long as asked
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
            boolean bounded = timeoutMillis > 0;
            while (true) {
                ServiceReference<Object> ref = bounded
                        ? changes.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)
                        : changes.take();
                if (ref == null) {
                    throw new StartupException("startup did not finish within " + timeoutMillis / 1000 + " s");
                }
                Object state = ref.getProperty(STATE);
                String message = String.valueOf(ref.getProperty(MESSAGE));
                if (RUNNING_COMMANDS.equals(state)) {
                    bounded = false;
                } else if (READY.equals(state)) {
                    return message;
                } else if (state != null) {
                    throw new StartupException(message);
                }
            }
        } finally {
            tracker.close();
        }
    }

    /** Stops the framework (every bundle deactivates) and removes its cache. */
    public void stop() {
        try {
            if ((framework.getState() & (Bundle.STARTING | Bundle.ACTIVE)) != 0) {
                framework.stop();
            }
            framework.waitForStop(TimeUnit.SECONDS.toMillis(30));
        } catch (BundleException | InterruptedException e) {
            System.err.println("jvhost: stopping the OSGi runtime: " + rootMessage(e));
        } finally {
            deleteTree(storage);
        }
    }

    /** Blocks until the framework stops (e.g. {@code stop 0} in Gogo). */
    public void waitForStop() throws InterruptedException {
        framework.waitForStop(0);
        deleteTree(storage);
    }

    /** Both the signal handler's stop and main's waitForStop get here: one deletes, the other returns. */
    private static synchronized void deleteTree(Path dir) {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try (var s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | java.io.UncheckedIOException ignored) {
            // a leftover cache in the temp directory is harmless
        }
    }

    static String rootMessage(Throwable t) {
        if (t == null) {
            return "unknown error";
        }
        Throwable c = t;
        while (c.getCause() != null && c.getCause() != c) {
            c = c.getCause();
        }
        String m = c.getMessage();
        return m == null ? c.toString() : (c == t ? m : t.getMessage() + " (" + m + ")");
    }
}
