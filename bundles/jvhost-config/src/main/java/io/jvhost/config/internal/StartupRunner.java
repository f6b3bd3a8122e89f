package io.jvhost.config.internal;

import io.jvhost.config.ConfigMethods;
import io.jvhost.config.Json;
import io.jvhost.config.MethodException;
import io.jvhost.config.MethodRegistrations;
import io.jvhost.config.Params;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Hashtable;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.felix.service.command.CommandProcessor;
import org.apache.felix.service.command.CommandSession;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.FrameworkEvent;
import org.osgi.framework.FrameworkListener;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Once the framework has started every bundle, applies the {@code --config} file (framework
 * property {@code jvhost.config.file}), then runs the {@code -x} Gogo commands ({@code jvhost.commands},
 * one per line),
 * and registers a {@link StartupStatus} telling the launcher whether jvhost is ready. Offers SPDK's
 * {@code framework_wait_init}, which returns once that has happened.
 */
@Component(immediate = true)
public final class StartupRunner implements FrameworkListener {
    static final String CONFIG_FILE = "jvhost.config.file";
    static final String COMMANDS = "jvhost.commands";
    private static final Logger LOG = LoggerFactory.getLogger(StartupRunner.class);

    private final BundleContext context;
    private final ConfigMethods methods;
    private volatile CommandProcessor processor;
    private volatile boolean started;
    private volatile ServiceRegistration<StartupStatus> status;
    /** Counted down once startup finished, well or not; {@link #outcome} says which. */
    private final CountDownLatch finished = new CountDownLatch(1);
    private volatile StartupStatus outcome;
    private final MethodRegistrations waitInit;
    private final InitState init;

    @Activate
    public StartupRunner(BundleContext context, @Reference ConfigMethods methods, @Reference InitState init) {
        this.context = context;
        this.methods = methods;
        this.init = init;
        this.waitInit = MethodRegistrations.register(context,
                MethodRegistrations.method("framework_wait_init",
                        "Returns once startup (the --config file and -x commands) has finished", this::waitInit),
                MethodRegistrations.method("framework_start_init", "With --wait-for-rpc: runs startup (the --config"
                        + " file and -x commands) and returns once it finished", this::startInit));
        context.addFrameworkListener(this);
        if (context.getBundle(0).getState() == Bundle.ACTIVE) {
            begin();
        }
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void setProcessor(CommandProcessor p) {
        processor = p;
    }

    void unsetProcessor(CommandProcessor p) {
        if (processor == p) {
            processor = null;
        }
    }

    @Override
    public void frameworkEvent(FrameworkEvent event) {
        if (event.getType() == FrameworkEvent.STARTED) {
            begin();
        }
    }

    private synchronized void begin() {
        if (started) {
            return;
        }
        started = true;
        Thread t = new Thread(this::runStartup, "jvhost-startup");
        t.setDaemon(true);
        t.start();
    }

    private void runStartup() {
        String message;
        boolean ok;
        try {
            if (!init.initialized()) {
                LOG.info("waiting for framework_start_init (--wait-for-rpc)");
                init.awaitStart();
            }
            message = applyConfig();
            runCommands(message);
            ok = true;
        } catch (Exception e) {
            message = e.getMessage() == null ? e.toString() : e.getMessage();
            ok = false;
        }
        publish(ok, message);
    }

    private String applyConfig() throws IOException {
        String file = context.getProperty(CONFIG_FILE);
        if (file == null || file.isBlank()) {
            return "no config file";
        }
        String text;
        try {
            text = Files.readString(Path.of(file), StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new IOException("config file " + file + " does not exist");
        }
        Object document;
        try {
            document = Json.parse(text);
        } catch (Json.JsonException e) {
            throw new IOException("config file " + file + ": " + e.getMessage());
        }
        try {
            methods.apply(document);
        } catch (MethodException e) {
            throw new IOException("config file " + file + ": " + e.getMessage(), e);
        }
        LOG.info("applied config file {}", file);
        return "config " + file + " applied";
    }

    private void runCommands(String configMessage) throws Exception {
        String commands = context.getProperty(COMMANDS);
        if (commands == null || commands.isBlank()) {
            return;
        }
        // the launcher bounds startup up to here; a command runs as long as its user asked
        register(StartupStatus.COMMANDS, configMessage + "; running -x commands");
        CommandProcessor p = processor;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (p == null && System.nanoTime() < deadline) {
            Thread.sleep(20);
            p = processor;
        }
        if (p == null) {
            throw new IllegalStateException("cannot run -x commands: the Gogo runtime is not running");
        }
        PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), true, StandardCharsets.UTF_8);
        PrintStream err = new PrintStream(new FileOutputStream(FileDescriptor.err), true, StandardCharsets.UTF_8);
        try (CommandSession session = p.createSession(new FileInputStream(FileDescriptor.in), out, err)) {
            for (String command : commands.split("\n")) {
                try {
                    Object result = session.execute(command);
                    if (result != null) {
                        out.println(session.format(result, 0));
                    }
                } catch (Exception e) {
                    throw new IllegalStateException("command '" + command + "' failed: "
                            + (e.getMessage() == null ? e.toString() : e.getMessage()), e);
                }
            }
        }
    }

    /** SPDK's {@code framework_wait_init}: true once started; an error naming what failed if startup failed. */
    Object waitInit(Params p) {
        p.allowOnly(Set.of());
        return awaitFinished(p.method());
    }

    /** SPDK's {@code framework_start_init}: leaves the startup state and returns once startup finished. */
    Object startInit(Params p) {
        p.allowOnly(Set.of());
        if (!init.start()) {
            throw new MethodException(InitState.INVALID_STATE, p.method() + ": Subsystems have been initialized"
                    + " (jvhost was started without --wait-for-rpc, or framework_start_init ran already)");
        }
        return awaitFinished(p.method());
    }

    private Object awaitFinished(String method) {
        try {
            while (!finished.await(10, TimeUnit.MINUTES)) {
                if (init.initialized()) {
                    throw new MethodException(MethodException.INTERNAL_ERROR, method
                            + ": startup has not finished after 10 minutes");
                }
                // still waiting for framework_start_init: SPDK's framework_wait_init waits as long as it takes
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new MethodException(MethodException.INTERNAL_ERROR, method + ": interrupted while waiting");
        }
        StartupStatus s = outcome;
        if (!s.ready()) {
            throw new MethodException(MethodException.INTERNAL_ERROR, method + ": startup failed: " + s.message());
        }
        return true;
    }

    private synchronized void publish(boolean ok, String message) {
        outcome = new StartupStatus(ok, message);
        finished.countDown();
        register(ok ? StartupStatus.READY : StartupStatus.FAILED, message);
    }

    /** Registers the status service, or updates its properties when it is registered already. */
    private synchronized void register(String state, String message) {
        Hashtable<String, Object> props = new Hashtable<>();
        props.put(StartupStatus.STATE, state);
        props.put(StartupStatus.MESSAGE, message);
        try {
            if (status == null) {
                status = context.registerService(StartupStatus.class,
                        new StartupStatus(StartupStatus.READY.equals(state), message), props);
            } else {
                status.setProperties(props);
            }
        } catch (IllegalStateException e) {
            LOG.debug("bundle stopped before startup finished");
        }
    }

    @Deactivate
    void deactivate() {
        context.removeFrameworkListener(this);
        waitInit.close();
        ServiceRegistration<StartupStatus> s = status;
        if (s != null) {
            try {
                s.unregister();
            } catch (IllegalStateException ignored) {
                // already gone with the bundle
            }
        }
    }
}
